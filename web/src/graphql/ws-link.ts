/**
 * Subscriptions over graphql-ws, naming the document by its persisted id as the HTTP link does: a
 * router enforcing trusted documents compares a text with its manifest's bodies exactly, and the
 * text Apollo prints is not the manifest's (the client preset prints its own, normalised), so an id
 * is what works everywhere. A router without the manifest answers PERSISTED_QUERY_NOT_FOUND, and
 * from then on the text is sent instead.
 */
import { ApolloLink, CombinedGraphQLErrors } from '@apollo/client';
import { print } from '@apollo/client/utilities';
import type { Client, SubscribePayload } from 'graphql-ws';
import { Observable } from 'rxjs';
import { documentHash } from './document-hash.ts';

/** A socket that closed under a subscription (`code` 4401: the token was refused); errors.ts reads the code. */
export class SocketClosedError extends Error {
  override readonly name = 'SocketClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`The live connection closed (${code}${reason ? `: ${reason}` : ''})`);
  }
}

const isCloseEvent = (value: unknown): value is { code: number; reason: string } =>
  typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number' && 'reason' in value;

const codesOf = (errors: unknown): unknown[] =>
  Array.isArray(errors) ? errors.map((e: { extensions?: { code?: unknown } }) => e?.extensions?.code) : [];

export class PersistedWsLink extends ApolloLink {
  private byId = true;

  constructor(private readonly client: Client) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable<ApolloLink.Result>((observer) => {
      let dispose: (() => void) | undefined;
      let closed = false;
      const { query, variables, operationName, extensions } = operation;

      const start = async (byId: boolean) => {
        // graphql-ws's client wants a string `query`; the router takes an empty one beside an id as none.
        const payload: SubscribePayload = byId
          ? {
              operationName,
              variables,
              query: '',
              extensions: { ...extensions, persistedQuery: { version: 1, sha256Hash: await documentHash(query) } },
            }
          : { operationName, variables, extensions, query: print(query) };
        if (closed) return;
        dispose = this.client.subscribe(payload, {
          next: (value) => observer.next(value as ApolloLink.Result),
          complete: () => observer.complete(),
          error: (error) => {
            const codes = codesOf(error);
            if (byId && (codes.includes('PERSISTED_QUERY_NOT_FOUND') || codes.includes('GRAPHQL_PARSE_FAILED'))) {
              this.byId = false;
              void start(false);
              return;
            }
            if (error instanceof Error) return observer.error(error);
            if (isCloseEvent(error)) return observer.error(new SocketClosedError(error.code, error.reason));
            observer.error(new CombinedGraphQLErrors({ errors: Array.isArray(error) ? error : [error] }));
          },
        });
      };
      start(this.byId).catch((error: unknown) => observer.error(error));
      return () => {
        closed = true;
        dispose?.();
      };
    });
  }
}
