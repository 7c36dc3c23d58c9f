/**
 * `@defer` delivery. Apollo Server hands a gateway's result on as one response, so the executor
 * returns the primary payload through Apollo Server (validation, plugins, error formatting) and
 * leaves the deferred payloads here, under the request's context object; the HTTP front door
 * (multipart/mixed) and the graphql-ws server (successive `next` messages) take them from here.
 */
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { SubsequentPayload } from './executor.ts';

/** The media type Apollo Client asks for and this router answers `@defer` with. */
export const multipartMediaType = 'multipart/mixed; boundary="-"; deferSpec=20220824';

const subsequentByContext = new WeakMap<object, AsyncIterable<SubsequentPayload>>();
const incrementalContexts = new WeakSet<object>();

/** Whether an `accept` header takes incremental delivery (the deferSpec=20220824 multipart format). */
export function acceptsMultipart(accept: string | null | undefined): boolean {
  return !!accept && /multipart\/mixed/i.test(accept) && /deferSpec=20220824/i.test(accept);
}

/** Marks a request context (e.g. of a graphql-ws operation) as taking incremental delivery. */
export function deliverIncrementally(context: object): void {
  incrementalContexts.add(context);
}

export function takesIncremental(context: object, accept: string | null | undefined): boolean {
  return incrementalContexts.has(context) || acceptsMultipart(accept);
}

export function leaveSubsequent(context: object, payloads: AsyncIterable<SubsequentPayload>): void {
  subsequentByContext.set(context, payloads);
}

/** The deferred payloads the executor left for this request, once (undefined when there are none). */
export function takeSubsequent(context: object): AsyncIterable<SubsequentPayload> | undefined {
  const payloads = subsequentByContext.get(context);
  subsequentByContext.delete(context);
  return payloads;
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
      item.errors
        ? { ...item, errors: item.errors.map((error: GraphQLError) => formatError(error.toJSON(), error)) }
        : item,
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
  yield `\r\n---\r\n${part(`{"hasNext":true,${trimmed.slice(1)}`, true)}`;
  for await (const payload of payloads) {
    yield part(JSON.stringify(formatPayload(payload, formatError)), payload.hasNext);
  }
}
