/**
 * The subscribers of `npm run bench subscriptions`, in a process of their own so that the router's
 * memory and CPU are the router's alone. Raw `ws` sockets speaking graphql-ws's
 * `graphql-transport-ws` protocol (no client library state per subscription), driven by the bench
 * over IPC:
 *
 * - `open`: opens a group of subscriptions, `perConnection` per socket (a socket carries one
 *   buyer's token, so its subscriptions are that buyer's orders), at most `concurrency` sockets
 *   being set up at once; answers `opened` once every subscription got its first result (the
 *   order's current state) or failed;
 * - `count`: how many results after the first one arrived so far;
 * - `report`: every such result as `[key, status, receivedAt]` (epoch ms with sub-ms precision,
 *   `performance.timeOrigin + performance.now()`, the clock the bench stamps its publishes with),
 *   plus errors, completions and closes seen (other than the ones `close` made);
 * - `close`: closes a group's sockets; `exit` ends the process.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface ClientSubscription {
  /** The bench's index of the order. */
  key: number;
  orderId: string;
  token: string;
}

export type ClientCommand =
  | {
      op: 'open';
      group: string;
      url: string;
      query: string;
      subscriptions: ClientSubscription[];
      perConnection: number;
      concurrency: number;
    }
  | { op: 'count' }
  | { op: 'report' }
  | { op: 'close'; group: string }
  | { op: 'exit' };

export type ClientAnswer =
  | { op: 'opened'; group: string; subscriptions: number; connections: number; failures: string[]; ms: number }
  | { op: 'count'; received: number }
  | {
      op: 'report';
      /** [key, status, receivedAt] of every result after the first one. */
      events: [number, string, number][];
      errors: string[];
      completed: number;
      closes: Record<string, number>;
    }
  | { op: 'closed'; group: string };

const now = () => performance.timeOrigin + performance.now();
const answer = (message: ClientAnswer) => process.send!(message);

const groups = new Map<string, WebSocket[]>();
/** Sockets this process closed (`close`): their closes are not reported. */
const closedByUs = new WeakSet<WebSocket>();
const events: [number, string, number][] = [];
const errors: string[] = [];
const closes: Record<string, number> = {};
let completed = 0;
const noteError = (text: string) => {
  if (errors.length < 50) errors.push(text);
};

/** One socket: connection_init, then its subscriptions; resolves when each has its first result (or failed). */
function openConnection(
  url: string,
  query: string,
  token: string,
  subscriptions: ClientSubscription[],
  sockets: WebSocket[],
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.push(socket);
    const keys = new Map(subscriptions.map((s, i) => [String(i), s.key]));
    const waiting = new Set(keys.keys());
    let settled = false;
    let failed: string | undefined;
    const settle = (failure?: string) => {
      if (settled) return;
      settled = true;
      resolve(failure ?? failed);
    };
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      const at = now();
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: any };
      switch (message.type) {
        case 'connection_ack':
          subscriptions.forEach((s, i) =>
            socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query, variables: { id: s.orderId } } })),
          );
          return;
        case 'next': {
          const id = message.id!;
          if (message.payload?.errors) noteError(JSON.stringify(message.payload.errors));
          if (waiting.delete(id)) {
            if (waiting.size === 0) settle();
            return;
          }
          events.push([keys.get(id)!, message.payload?.data?.orderUpdated?.status ?? 'ERROR', at]);
          return;
        }
        case 'error':
          noteError(JSON.stringify(message.payload));
          failed ??= `subscription failed: ${JSON.stringify(message.payload)}`;
          if (waiting.delete(message.id!) && waiting.size === 0) settle();
          return;
        case 'complete':
          completed += 1;
          return;
        case 'ping':
          socket.send('{"type":"pong"}');
          return;
        default:
          return;
      }
    });
    socket.on('error', (error) => {
      noteError(error.message);
      settle(error.message);
    });
    socket.on('close', (code, reason) => {
      if (closedByUs.has(socket)) return;
      const label = `${code} ${String(reason)}`.trim();
      closes[label] = (closes[label] ?? 0) + 1;
      settle(`closed before every first result: ${label}`);
    });
  });
}

async function open(command: Extract<ClientCommand, { op: 'open' }>) {
  const started = now();
  const sockets: WebSocket[] = [];
  groups.set(command.group, sockets);
  // A socket carries one buyer's token: group by token, then cut into sockets of `perConnection`.
  const byToken = new Map<string, ClientSubscription[]>();
  for (const s of command.subscriptions) byToken.set(s.token, [...(byToken.get(s.token) ?? []), s]);
  const batches: ClientSubscription[][] = [];
  for (const list of byToken.values()) {
    for (let i = 0; i < list.length; i += command.perConnection) batches.push(list.slice(i, i + command.perConnection));
  }
  const url = `${command.url.replace(/^http/, 'ws')}/graphql`;
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const failure = await openConnection(url, command.query, batch[0]!.token, batch, sockets);
      if (failure) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, batches.length) }, worker));
  answer({
    op: 'opened',
    group: command.group,
    subscriptions: command.subscriptions.length,
    connections: batches.length,
    failures: failures.slice(0, 20),
    ms: now() - started,
  });
}

async function close(group: string) {
  const sockets = groups.get(group) ?? [];
  groups.delete(group);
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          closedByUs.add(socket);
          socket.once('close', () => resolve());
          socket.close(1000, 'bench done');
          setTimeout(() => (socket.terminate(), resolve()), 5_000).unref();
        }),
    ),
  );
  answer({ op: 'closed', group });
}

process.on('message', (command: ClientCommand) => {
  switch (command.op) {
    case 'open':
      void open(command);
      return;
    case 'count':
      answer({ op: 'count', received: events.length });
      return;
    case 'report':
      answer({ op: 'report', events, errors, completed, closes });
      return;
    case 'close':
      void close(command.group);
      return;
    case 'exit':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
