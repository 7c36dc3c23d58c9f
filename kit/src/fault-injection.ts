/**
 * Real faults for tests: a Redis server of the test's own (stopped, restarted, flushed at will, never
 * the machine's shared one) and a TCP proxy in front of any server (PostgreSQL, Redis, a subgraph)
 * that can cut every connection and refuse new ones for a while — an outage as the services see it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A port free now on 127.0.0.1 (the caller binds it next; the race with other processes is accepted in tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: no goodbye to clients) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (it keeps nothing on disk). */
  start(): Promise<void>;
  /** Kills it and starts it again: Redis restarted without persistence. */
  restart(): Promise<void>;
  /** FLUSHALL: every stream, group and key gone, the server up. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** A private `redis-server` (from the machine's Redis package) on a free port, persisting nothing. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start() {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      for (let tries = 0; ; tries++) {
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch (error) {
          if (tries > 100) throw error;
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  async function kill() {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }

  await start();
  return {
    url,
    port,
    kill,
    start,
    async restart() {
      await kill();
      await start();
    },
    async flush() {
      const redis = new Redis(url);
      await redis.flushall();
      await redis.quit();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TcpProxy {
  /** host:port of the proxy; point the service at it instead of the server. */
  host: string;
  port: number;
  /** Same URL with the proxy's host and port in place of the server's. */
  urlFor(url: string): string;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  /**
   * A network partition: connections stay open (new ones are accepted) but nothing passes either way
   * until `restore()`, which delivers what was held, in order.
   */
  stall(): void;
  /** Ends a cut or a stall. */
  restore(): void;
  /** Connections open now. */
  open(): number;
  stop(): Promise<void>;
}

/** A TCP proxy on a free port forwarding to `target` (host:port), for outages on demand. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let held: [Socket, Buffer][] | null = null; // set while stalled
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (held) held.push([to, chunk]);
      else to.write(chunk);
    });
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    stall() {
      held ??= [];
    },
    restore() {
      down = false;
      const release = held ?? [];
      held = null;
      for (const [to, chunk] of release) if (!to.destroyed) to.write(chunk);
    },
    open: () => sockets.size / 2,
    async stop() {
      down = true;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
