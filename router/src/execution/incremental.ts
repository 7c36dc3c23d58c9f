/**
 * `@defer` delivery. Apollo Server hands a gateway's result on as one response, so the executor
 * returns the primary payload through Apollo Server (validation, plugins, error formatting) and
 * leaves the deferred payloads in the request's {@link Delivery} slot; the HTTP front door
 * (multipart/mixed) and the graphql-ws server (successive `next` messages) take them from there.
 */
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { SubsequentPayload } from './executor.ts';

/** The media type Apollo Client asks for and this router answers `@defer` with. */
export const multipartMediaType = 'multipart/mixed; boundary="-"; deferSpec=20220824';

/**
 * A request's incremental delivery slot, carried in its context (Apollo Server copies a context
 * shallowly, so the slot is shared with the copy the executor sees): whether the client takes
 * incremental delivery, and the deferred payloads the executor left for the transport.
 */
export interface Delivery {
  /** The transport delivers incrementally whatever the `accept` header says (graphql-ws). */
  incremental?: boolean;
  payloads?: AsyncIterable<SubsequentPayload>;
}

/** Whether an `accept` header takes incremental delivery (the deferSpec=20220824 multipart format). */
export function acceptsMultipart(accept: string | null | undefined): boolean {
  return !!accept && /multipart\/mixed/i.test(accept) && /deferSpec=20220824/i.test(accept);
}

/** The delivery slot of a request context, when the transport gave it one. */
export function deliveryOf(context: unknown): Delivery | undefined {
  return (context as { delivery?: Delivery } | undefined)?.delivery;
}

/** A payload as the client sees it: errors formatted like the primary payload's. */
export function formatPayload(
  payload: SubsequentPayload,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): Record<string, unknown> {
  if (!payload.incremental) return payload as unknown as Record<string, unknown>;
  return {
    hasNext: payload.hasNext,
    incremental: payload.incremental.map((item) =>
      item.errors ? { ...item, errors: item.errors.map((error: GraphQLError) => formatError(error.toJSON(), error)) } : item,
    ),
  };
}

/**
 * The multipart body: the primary payload as Apollo Server serialised it (with `hasNext: true`),
 * then each deferred payload as its own part.
 */
export async function* multipartBody(
  primary: string,
  payloads: AsyncIterable<SubsequentPayload>,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): AsyncGenerator<string> {
  const part = (json: string, more: boolean) =>
    `content-type: application/json; charset=utf-8\r\n\r\n${json}\r\n---${more ? '' : '--'}\r\n`;
  const trimmed = primary.trimEnd();
  const first = trimmed === '{}' ? '{"hasNext":true}' : `{"hasNext":true,${trimmed.slice(1)}`;
  yield `\r\n---\r\n${part(first, true)}`;
  for await (const payload of payloads) {
    yield part(JSON.stringify(formatPayload(payload, formatError)), payload.hasNext);
  }
}
