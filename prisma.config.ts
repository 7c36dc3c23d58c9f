/**
 * Prisma CLI configuration for one subgraph's schema at a time.
 * `prisma/cli.ts` sets PRISMA_SUBGRAPH and runs the CLI once per subgraph; the WebAssembly schema
 * engine (`engine: 'js'`) keeps every command offline.
 */
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

const subgraph = process.env.PRISMA_SUBGRAPH ?? 'users';
const urlVar = `${subgraph.toUpperCase()}_DATABASE_URL`;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: `prisma/${subgraph}/schema.prisma`,
  migrations: { path: `prisma/${subgraph}/migrations` },
  adapter: async () => new PrismaPg({ connectionString: process.env[urlVar] ?? 'postgres://postgres@127.0.0.1:5432/postgres' }),
});
