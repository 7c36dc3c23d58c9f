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
  /** The transport (graphql-ws) already took this operation's rate-limit tokens. */
  admitted?: boolean;
}
