/** The connection pool on a real PostgreSQL server: connections the server drops. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool } from './database.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('orders');
});
afterAll(async () => {
  await database.drop();
});

/** Ends the server process behind `pid`, as a restart or `DROP DATABASE … WITH (FORCE)` does. */
async function terminateBackend(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('pgPool', () => {
  it('survives the server ending a connection that is checked out between queries, and replaces it', async () => {
    const pool = pgPool(database.url, 1);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminateBackend(rows[0]!.pid);
      // pg reports the server's FATAL as an 'error' event on the client; without a listener the process dies.
      await expect.poll(() => (client as unknown as { _queryable: boolean })._queryable, { timeout: 2_000 }).toBe(false);
      client.release();
      const after = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      await pool.end();
    }
  });

  it('survives the server ending an idle connection, and replaces it', async () => {
    const pool = pgPool(database.url, 1);
    try {
      const first = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminateBackend(first.rows[0]!.pid);
      await expect.poll(() => pool.idleCount, { timeout: 2_000 }).toBe(0);
      const after = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0]!.pid).not.toBe(first.rows[0]!.pid);
    } finally {
      await pool.end();
    }
  });
});
