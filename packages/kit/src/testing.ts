/**
 * Test helpers. Tests talk to the machine's real PostgreSQL and Redis: a fresh database per test
 * file, dropped afterwards. `TEST_DATABASE_URL` points at the server (default: local trust auth).
 */
import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, migrate, migrationsDir } from './database.js';

export const testServerUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `meridian_test_<subgraph>_<random>` on the test server and applies the subgraph's migrations. */
export async function createTestDatabase(subgraph: string): Promise<TestDatabase> {
  const url = new URL(testServerUrl);
  url.pathname = `/meridian_test_${subgraph}_${randomBytes(4).toString('hex')}`;
  const connectionString = url.toString();
  await ensureDatabase(connectionString);
  await migrate(connectionString, migrationsDir(subgraph));
  return { url: connectionString, drop: () => dropDatabase(connectionString) };
}
