/**
 * What the router knows about one request, built once at the edge (HTTP or graphql-ws) and read by
 * authorization, the executor and the subgraph fetches.
 */
import type { Viewer } from '#kit/auth';
import type { Delivery } from './execution/incremental.ts';

/** Per-request context: the verified viewer, the correlation id and the client's address, forwarded to subgraphs. */
export interface RouterContext {
  viewer: Viewer | null;
  correlationId: string;
  clientAddress: string;
  /** Where the executor leaves `@defer`red payloads for the transport (HTTP multipart, graphql-ws). */
  delivery?: Delivery;
  /**
   * The transport (graphql-ws) already admitted this operation: took its rate-limit tokens and
   * estimated its cost (when demand control is on), so Apollo Server's checks take that rather than
   * counting again.
   */
  admitted?: { estimatedCost?: number };
}
