/**
 * Running what was admitted: a query or mutation goes to Apollo Server as an HTTP one would, a
 * subscription becomes a client stream on its live query (the hub's), which graphql-ws pulls results from.
 */
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { RouterContext } from '../context.ts';
import { ClientStream } from './client-stream.ts';
import type { Connection } from './connections.ts';
import type { LiveQuerySpec, SubscriptionHub } from './hub.ts';

/** What an admitted operation hands graphql-ws as its context value, for `execute` or `subscribe`. */
export type OperationContext =
  | { kind: 'subscription'; connection: Connection; key: string; spec: LiveQuerySpec }
  | { kind: 'operation'; payload: SubscribePayload; context: RouterContext };

/** Runs a query or mutation; an operation with `@defer` answers a stream of results (successive `next` messages). */
export type ExecuteOperation = (
  payload: SubscribePayload,
  context: RouterContext,
) => Promise<ExecutionResult | AsyncIterable<ExecutionResult | Record<string, unknown>>>;

/** graphql-ws's `execute` and `subscribe`, and the count of open client subscriptions. */
export function createExecution(options: { hub: SubscriptionHub; executeOperation: ExecuteOperation }) {
  const { hub } = options;
  let streams = 0;

  /** A client subscription is over (completed, ended, or its socket closed): leave its live query. */
  function finished(stream: ClientStream) {
    streams--;
    const connection = stream.owner as Connection;
    connection.subscriptions--;
    connection.streams.delete(stream);
    stream.live?.leave(stream);
  }

  return {
    async execute(args: ExecutionArgs) {
      const context = args.contextValue as OperationContext;
      if (context.kind !== 'operation') throw new Error('a subscription reached execute');
      return options.executeOperation(context.payload, context.context);
    },
    async subscribe(args: ExecutionArgs) {
      const { connection, key, spec } = args.contextValue as Extract<OperationContext, { kind: 'subscription' }>;
      const stream = new ClientStream(connection, finished);
      streams++;
      connection.streams.add(stream);
      try {
        stream.live = hub.join(key, spec, stream);
      } catch (error) {
        finished(stream); // its slot and count go back
        throw error;
      }
      return stream;
    },
    /** Open client subscriptions. */
    streams: () => streams,
  };
}
