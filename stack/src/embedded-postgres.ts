/**
 * An embedded PostgreSQL for machines with nothing installed: PGlite (Postgres compiled to
 * WebAssembly) with its data in a folder, served over the Postgres wire protocol so the same
 * `pg` driver and Prisma adapter work against it as against a real server.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite on `dataDir` (created if missing; data survives restarts) and listens on
 * 127.0.0.1:`port` (0 = any free port). PGlite runs one query at a time; the socket server keeps a
 * transaction's statements together, so clients should use small pools.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  database: string;
}): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 16 });
  await server.start();
  const address = server.getServerConn();
  return {
    // PGlite has a single database; the name in the URL is informational.
    connectionString: `postgres://postgres@${address}/${options.database}?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
