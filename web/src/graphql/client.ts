/**
 * The Apollo Client: queries and mutations over HTTP (`${routerUrl}/graphql`, persisted-query ids
 * from the client preset's manifest, `@defer` answered as multipart/mixed), subscriptions over
 * graphql-ws on the same URL, one normalised cache keyed by the entities' ids.
 *
 *   operation --subscription?--> PersistedWsLink (connection_init carries the token; refreshed tokens go as pings)
 *             --otherwise-----> session expiry watch -> bearer token -> persisted query id -> HttpLink
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, CombinedGraphQLErrors, ServerError } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { getMainDefinition } from '@apollo/client/utilities';
import type { DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { Session, SessionState } from '../session/session.ts';
import { pushRefreshedTokens, type TokenSocket } from '../session/socket-token.ts';
import { documentHash } from './document-hash.ts';
import { PersistedWsLink } from './ws-link.ts';

/** Close code for "the signed-in user changed": graphql-ws reconnects with the new token (not a fatal code). */
const identityChanged = 4205;

export interface MeridianClient {
  apollo: ApolloClient;
  /** The graphql-ws client (tests and diagnostics). */
  ws: Client;
  stop(): void;
}

/** Builds the client for the router at `routerUrl`, taking its tokens from `session`. */
export function createMeridianClient(routerUrl: string, session: Session): MeridianClient {
  const httpUrl = `${routerUrl}/graphql`;
  const wsUrl = httpUrl.replace(/^http/, 'ws');

  let socket: TokenSocket | undefined;
  const ws = createClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: 5,
    connectionParams: async () => {
      const token = await session.accessTokenNow();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      connected: (connected) => {
        socket = connected as TokenSocket;
      },
      closed: () => {
        socket = undefined;
      },
    },
  });
  const stopPushing = pushRefreshedTokens(session, () => socket);

  // Another user (or none) from now on: the socket's identity is the one it was opened with.
  const userOf = (state: SessionState) => (state.status === 'signed-in' ? state.userId : undefined);
  let userId = userOf(session.current());
  const stopWatching = session.subscribe((state) => {
    const next = userOf(state);
    if (next === userId) return;
    userId = next;
    const open = socket as (TokenSocket & { close?(code: number, reason: string): void }) | undefined;
    open?.close?.(identityChanged, 'Signed-in user changed');
  });

  const auth = new SetContextLink(async (previous) => {
    const token = await session.accessTokenNow();
    return token ? { headers: { ...previous.headers, authorization: `Bearer ${token}` } } : {};
  });

  // A token the router refuses (401) ends the session: the pages then ask to sign in again.
  const expiry = new ErrorLink(({ error }) => {
    const unauthenticated =
      (ServerError.is(error) && error.statusCode === 401) ||
      (CombinedGraphQLErrors.is(error) &&
        error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED' && /token/i.test(e.message)));
    if (unauthenticated) session.expire();
  });

  const persisted = new PersistedQueryLink({
    generateHash: documentHash,
    // The router knows our ids when it loads web/src/gql/persisted-documents.json; one that does
    // not (development without a manifest) answers PERSISTED_QUERY_NOT_FOUND, and from then on the
    // full text is sent without an id (a text with an id it cannot match would be refused).
    disable: ({ meta }) => meta.persistedQueryNotSupported || meta.persistedQueryNotFound,
  });

  const http = ApolloLink.from([expiry, auth, persisted, new HttpLink({ uri: httpUrl })]);
  const isSubscription = ({ query }: { query: DocumentNode }) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
  };
  const link = ApolloLink.split(isSubscription, new PersistedWsLink(ws), http);

  const apollo = new ApolloClient({
    link,
    incrementalHandler: new Defer20220824Handler(),
    cache: new InMemoryCache({
      typePolicies: {
        // Entities are keyed by `id` (the default); these hold no id of their own.
        Money: { keyFields: false },
        PageInfo: { keyFields: false },
        OrderItem: { keyFields: false },
        OrderStatusChange: { keyFields: false },
      },
    }),
  });

  return {
    apollo,
    ws,
    stop() {
      stopPushing();
      stopWatching();
      void ws.dispose();
      apollo.stop();
    },
  };
}
