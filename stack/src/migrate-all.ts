/**
 * `npm run db:migrate`: creates each subgraph's database when missing and applies its migrations.
 * Reads `<NAME>_DATABASE_URL` for every subgraph (see .env.example).
 */
import { subgraphNames } from './topology.ts';
import { ensureDatabase, migrate, migrationsDir } from '#kit/database';

for (const name of subgraphNames) {
  const url = process.env[`${name.toUpperCase()}_DATABASE_URL`];
  if (!url) {
    console.error(`${name.toUpperCase()}_DATABASE_URL is not set`);
    process.exit(1);
  }
  await ensureDatabase(url);
  const applied = await migrate(url, migrationsDir(name));
  console.log(`${name}: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
}
