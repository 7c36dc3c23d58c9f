/**
 * Who may open a WebSocket at the router, and who they are while it stays open: `connection_init`
 * carries the access token (none: anonymous), a graphql-ws `ping` may carry a fresh one for the same
 * user and scopes, and when the token runs out every subscription ends and the socket closes with 4401.
 */
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { DomainError } from '#kit/errors';
import type { WsExtra, WsServerOptions } from '#kit/graphql-ws-server';
import { viewerOf, type TokenVerifier, type Viewer } from '#kit/auth';
import type { RouterContext } from '../context.ts';
import type { ClientStream } from './client-stream.ts';

/** One WebSocket connection's identity and open subscriptions. */
export interface Connection {
  viewer: Viewer | null;
  streams: Set<ClientStream>;
  /**
   * Subscriptions held against the per-connection limit: counted when the subscribe frame is
   * handled, released when it is refused or its stream finishes (completed, failed, disconnected).
   */
  subscriptions: number;
  expiry?: NodeJS.Timeout;
  extra: WsExtra;
}

/** Who a result is computed for: results are shared only within one scope. */
export const scopeOf = (viewer: Viewer | null) =>
  viewer
    ? `user ${viewer.id} roles ${[...viewer.roles].sort().join(',')} scopes ${[...viewer.scopes].sort().join(',')}`
    : 'anonymous';

/** The context a query or mutation sent over this connection runs with, as an HTTP request's. */
export function contextOf(connection: Connection): RouterContext {
  const { correlationId, clientAddress } = connection.extra;
  return { viewer: connection.viewer, correlationId, clientAddress };
}

const expiredError = () =>
  new GraphQLError(
    'The access token has expired. Send a fresh one before it expires in a ping ({"type":"ping","payload":{"authorization":"Bearer <token>"}}), or reconnect with one.',
    { extensions: { code: 'UNAUTHENTICATED' } },
  );

const reasonOf = (error: unknown) => `Unauthorized: ${error instanceof DomainError ? error.message : 'the token is not valid'}`;

function scheduleExpiry(connection: Connection) {
  clearTimeout(connection.expiry);
  const expiresAt = connection.viewer?.expiresAt;
  if (expiresAt === undefined) return;
  const delay = Math.min(Math.max(expiresAt * 1000 - Date.now(), 0), 2 ** 31 - 1);
  connection.expiry = setTimeout(() => void expire(connection), delay);
}

/** The token ran out: every subscription ends with a clear error, then the socket closes with 4401. */
async function expire(connection: Connection) {
  const open = [...connection.streams];
  for (const stream of open) {
    stream.deliver({ errors: [expiredError()] });
    stream.end();
  }
  await Promise.all(open.map((stream) => stream.drained()));
  await new Promise((resolve) => setImmediate(resolve)); // let graphql-ws send the results and `complete`s
  connection.extra.close(CloseCode.Unauthorized, 'Unauthorized: the access token has expired');
}

/**
 * The connections of one server, and graphql-ws's hooks that admit them (`onConnect`), replace their
 * identity with a refreshed token (`onPing`) and stop their expiry timer (`onClose`).
 */
export function createConnections(verify: TokenVerifier) {
  const connections = new WeakMap<WsExtra, Connection>();

  const onConnect: WsServerOptions['onConnect'] = async (ctx) => {
    const { connectionParams, extra } = ctx;
    try {
      const viewer = await viewerOf(verify, connectionParams?.authorization);
      const connection: Connection = { viewer, streams: new Set(), subscriptions: 0, extra };
      connections.set(extra, connection);
      scheduleExpiry(connection);
      // Read once: graphql-ws would keep the raw token for the connection's life.
      delete (ctx as { connectionParams?: unknown }).connectionParams;
      return true;
    } catch (error) {
      extra.close(CloseCode.Unauthorized, reasonOf(error));
      return false;
    }
  };

  const onPing: WsServerOptions['onPing'] = async ({ extra }, payload) => {
    const connection = connections.get(extra);
    if (!connection || !payload || !('authorization' in payload)) return;
    let viewer: Viewer | null;
    try {
      viewer = await viewerOf(verify, payload.authorization);
    } catch (error) {
      return extra.close(CloseCode.Unauthorized, reasonOf(error));
    }
    if (!viewer) return;
    if (scopeOf(viewer) !== scopeOf(connection.viewer)) {
      return extra.close(CloseCode.Forbidden, 'Forbidden: a refreshed token must be for the same user and scopes; reconnect');
    }
    connection.viewer = viewer;
    scheduleExpiry(connection);
  };

  const onClose: WsServerOptions['onClose'] = ({ extra }) => {
    const connection = connections.get(extra);
    if (connection) clearTimeout(connection.expiry);
  };

  return {
    /** The connection of a socket graphql-ws admitted (`onConnect` returned true). */
    get: (extra: WsExtra) => connections.get(extra)!,
    onConnect,
    onPing,
    onClose,
  };
}
