/**
 * A long subscription outlives its access token: the router closes the socket with 4401 when the
 * token it was given expires, unless the client sent a fresh one first — as a graphql-ws ping
 * carrying `{ authorization: 'Bearer <fresh>' }` (README, "Live progress").
 */

/** The part of a WebSocket this needs. */
export interface TokenSocket {
  readonly readyState: number;
  send(data: string): void;
}

const open = 1; // WebSocket.OPEN

/** The graphql-ws ping that hands the router a fresh token. */
export function tokenPing(accessToken: string): string {
  return JSON.stringify({ type: 'ping', payload: { authorization: `Bearer ${accessToken}` } });
}

/**
 * Sends each refreshed token over the socket `currentSocket` returns (graphql-ws's client hands it
 * over in `on.connected`), when one is open. Returns the unsubscribe.
 */
export function pushRefreshedTokens(
  session: { onRefreshed(listener: (accessToken: string) => void): () => void },
  currentSocket: () => TokenSocket | undefined,
): () => void {
  return session.onRefreshed((accessToken) => {
    const socket = currentSocket();
    if (socket && socket.readyState === open) socket.send(tokenPing(accessToken));
  });
}
