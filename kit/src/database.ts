/**
 * PostgreSQL plumbing shared by the subgraphs: creating databases, applying the Prisma migrations
 * of `prisma/<name>/migrations`, and the driver adapter every generated Prisma client runs on.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The migrations folder of a subgraph's Prisma schema. */
export const migrationsDir = (subgraph: string) => join(repoRoot, 'prisma', subgraph, 'migrations');

/**
 * Every SQL statement the services send, by database name, for tests that count queries (the
 * batching test) — emitted only while someone listens.
 */
export const sqlEvents = new EventEmitter<{ query: [{ database: string; sql: string }] }>();

/**
 * A connection pool on `connectionString`, instrumented for {@link sqlEvents}. A database that does
 * not answer a connection attempt within 5 s, or a query within `queryTimeoutMs` (default 30 s: a
 * network partition leaves a connection open and silent), is treated as down — the caller's retry
 * policy takes over — rather than left to the operating system's minutes- or hours-long timeouts.
 */
export function pgPool(connectionString: string, poolMax = 10, options: { queryTimeoutMs?: number } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
  });
  // A connection the server closed (restart, failover, dropped test database) must not crash the
  // process. Idle ones reach the pool's 'error'; a checked-out one between queries has no listener of
  // pg's own, so each gets a permanent one: its query (if any) still fails, and the pool discards the
  // broken connection when it comes back (pg marks it not queryable) — the next query opens a fresh one.
  pool.on('error', () => undefined);
  const database = decodeURIComponent(new URL(connectionString).pathname.slice(1));
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      if (sqlEvents.listenerCount('query') > 0) {
        const first = args[0] as string | { text?: string };
        sqlEvents.emit('query', { database, sql: typeof first === 'string' ? first : (first.text ?? '') });
      }
      return query(...args);
    }) as typeof client.query;
  });
  return pool;
}

/**
 * The driver adapter a generated Prisma client is constructed with, on its own pool or on `pool`
 * (shared with a {@link sqlClient}); disconnecting the Prisma client ends the pool.
 */
export function pgAdapter(connection: string | pg.Pool, poolMax = 10): PrismaPg {
  return new PrismaPg(typeof connection === 'string' ? pgPool(connection, poolMax) : connection, { disposeExternalPool: true });
}

/** The raw-SQL surface shared by a generated Prisma client and {@link sqlClient}. */
export interface SqlRunner {
  /** Rows of a statement with `$1`-style parameters. */
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  /** The number of rows a statement changed. */
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}
export interface SqlClient extends SqlRunner {
  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  $transaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R>;
}

// Statements run as named prepared statements: PostgreSQL parses and plans each text once per
// connection instead of on every call (the saga repeats a few dozen texts thousands of times).
const statementNames = new Map<string, string>();
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name) {
    name = `m${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

const runnerOn = (target: pg.Pool | pg.PoolClient): SqlRunner => ({
  async $queryRawUnsafe<T>(query: string, ...values: unknown[]) {
    return (await target.query(prepared(query, values))).rows as T;
  },
  async $executeRawUnsafe(query: string, ...values: unknown[]) {
    return (await target.query(prepared(query, values))).rowCount ?? 0;
  },
});

/**
 * Raw SQL straight on the pg pool, with the surface of Prisma's raw queries. The order saga's
 * statements run through it: measured here, a statement costs 0.26 ms of client CPU this way against
 * 0.5–0.7 ms as a Prisma raw query and 1.3–2.2 ms as a Prisma model query, and a transaction of two
 * statements 0.43 ms against 1.7 ms (see BENCHMARKS.md). Prisma keeps the schema, the migrations and
 * every other query. Results are pg's: `bigint`/`numeric` come back as strings, so cast counts to int.
 */
export function sqlClient(pool: pg.Pool): SqlClient {
  return {
    ...runnerOn(pool),
    async $transaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(runnerOn(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/**
 * A subgraph's database on one pool (one connection budget): its generated Prisma client for the
 * schema's queries, a {@link sqlClient} for hot paths, and one `close` for both — Prisma ends a pool
 * only if it ran a query itself, and the plain-SQL side may have been its only user.
 */
export function openDatabase<D extends { $disconnect(): Promise<void> }>(
  connectionString: string,
  poolMax: number,
  prismaOn: (pool: pg.Pool) => D,
): { db: D; sql: SqlClient; close(): Promise<void> } {
  const pool = pgPool(connectionString, poolMax);
  const db = prismaOn(pool);
  return {
    db,
    sql: sqlClient(pool),
    async close() {
      await db.$disconnect();
      if (!pool.ending) await pool.end();
    },
  };
}

/**
 * The PostgreSQL error code (SQLSTATE, e.g. `23505` unique violation, `23503` foreign key) of an
 * error from pg, or from Prisma (which wraps it: `P2002`/`P2003`, or `P2010` naming the code).
 */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: string; meta?: { code?: string }; message?: string } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (e.code === 'P2002') return '23505';
  if (e.code === 'P2003') return '23503';
  // Prisma's own codes are P1xxx/P2xxx; SQLSTATEs never start with P1/P2.
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code) && !/^P[12]/.test(e.code)) return e.code;
  return e.meta?.code ?? /Code: `([0-9A-Z]{5})`/.exec(e.message ?? '')?.[1];
}

/**
 * True for a unique violation (from pg or Prisma, see {@link sqlState}); with `constraintOrTable`, only
 * one that names it (pg's `constraint` or `table`, or the message: `processed_events` matches its
 * primary key) — how a store tells a redelivered event (its processed-event record exists) from another conflict.
 */
export function isUniqueViolation(error: unknown, constraintOrTable?: string): boolean {
  if (sqlState(error) !== '23505') return false;
  if (constraintOrTable === undefined) return true;
  const e = error as { constraint?: string; table?: string; message?: string };
  return [e.constraint, e.table, e.message].some((text) => text?.includes(constraintOrTable));
}

/**
 * Runs `work` on a client of the server of `connectionString`, connected to its `postgres` database
 * (a database cannot be created or dropped from a connection to itself), with the quoted name of the
 * database `connectionString` names; the client is closed afterwards.
 */
async function onServer<T>(
  connectionString: string,
  work: (client: pg.Client, database: { name: string; quoted: string }) => Promise<T>,
): Promise<T> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client, { name, quoted: `"${name.replaceAll('"', '""')}"` });
  } finally {
    await client.end();
  }
}

/** Creates the database named in `connectionString` when it does not exist yet. */
export async function ensureDatabase(connectionString: string): Promise<void> {
  await onServer(connectionString, async (client, { name, quoted }) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoted}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  });
}

/** Drops a database (tests). */
export async function dropDatabase(connectionString: string): Promise<void> {
  await onServer(connectionString, (client, { quoted }) => client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`));
}

/**
 * Applies the pending migrations of `dir` in name order, each in its own transaction, and records
 * them in Prisma's `_prisma_migrations` table (same layout, so `prisma migrate deploy/status` agree).
 * A migration whose file changed after it was applied is an error. Returns the names applied now.
 */
export async function migrate(connectionString: string, dir: string): Promise<string[]> {
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    // Serialise concurrent migrators of one database (several replicas starting together).
    await client.query('SELECT pg_advisory_lock(72707369)');
    const done = new Map(
      (
        await client.query<{ migration_name: string; checksum: string }>(
          'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
      ).rows.map((r) => [r.migration_name, r.checksum]),
    );
    for (const name of names) {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migration ${name} was changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
    }
    await client.query('SELECT pg_advisory_unlock(72707369)');
  } finally {
    await client.end();
  }
  return applied;
}
