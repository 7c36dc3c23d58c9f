/**
 * The embedded mode: the whole product in one Node process with nothing installed. Each subgraph
 * gets its own PGlite database (served over the Postgres wire protocol), migrations are applied,
 * demo data is seeded on first start, files go to an embedded S3 server, events use the in-process
 * bus, and the router serves a supergraph composed for the ports actually in use.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SubgraphConfig } from '#kit/config';
import { defaultPorts, subgraphNames, type SubgraphName } from './topology.ts';
import { migrate, migrationsDir } from '#kit/database';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { createInProcessJobQueue } from '../../subgraphs/documents/src/index.ts';
import { createLogger } from '#kit/logger';
import { createObjectStore, startEmbeddedS3, type ObjectStore } from '../../subgraphs/documents/src/index.ts';
import { connectSharedAdapters } from '#kit/process';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { developmentCorsOrigins } from '#kit/cors';
import { composeSupergraph, defaultSupergraphConfig, readSupergraphConfig, withUrls } from '../../router/src/compose.ts';
import { startRouter, type RouterOptions, type RunningRouter } from '../../router/src/router.ts';
import { seedDemoData } from './seed.ts';
import { subgraphStarters, type SubgraphTuning } from './subgraphs.ts';

export interface EmbeddedOptions {
  dataDir: string;
  /** Router port; 0 picks a free one. */
  routerPort: number;
  /** `default`: 4001..4006 as in supergraph.yaml; `ephemeral`: any free ports (tests). */
  subgraphPorts: 'default' | 'ephemeral';
  production?: boolean;
  logLevel?: string;
  seed?: boolean;
  /**
   * Use these PostgreSQL databases instead of starting PGlite (the tests run the same in-process
   * stack against the machine's real PostgreSQL). Migrations are applied to them too.
   */
  databaseUrls?: Record<SubgraphName, string>;
  /**
   * Carry events over Redis Streams (as services mode does) instead of the in-process bus; the
   * tests use it to run the saga on the real Redis. `eventsNamespace` keeps their streams apart.
   */
  redisUrl?: string;
  eventsNamespace?: string;
  /** Per-subgraph settings (reservation TTL, payment provider policy, ...). */
  tuning?: SubgraphTuning;
  /** The router's WebSocket limits (keep-alive, slow-client buffer, subscriptions per connection). */
  websocket?: RouterOptions['websocket'];
  /** Browser origins allowed to call the router and to upload to the embedded S3 (default: the router's). */
  cors?: RouterOptions['cors'];
  /** The router's admin listener (`/metrics`); default: any free port on loopback. */
  admin?: RouterOptions['admin'];
  /** Each subgraph's admin listener (`/metrics`); default: any free port on loopback. */
  subgraphAdmin?: Partial<Record<SubgraphName, { port: number; host?: string }>>;
  /** The router's per-client rate limits, counted in this process (default: none; `npm start` sets the production defaults). */
  rateLimits?: RouterOptions['rateLimits'];
  /** Responses carry `extensions.cost: { estimated, actual }` (`npm start` in development). */
  reportCost?: boolean;
  /** The router's trusted documents (default: off, no manifest); `npm start` loads the web app's. */
  trustedDocuments?: RouterOptions['trustedDocuments'];
}

export interface EmbeddedStack {
  router: RunningRouter;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  databaseUrls: Record<SubgraphName, string>;
  /** True when this start seeded the demo data (first start on this data folder). */
  seeded: boolean;
  /** The embedded object store (documents' files). */
  objects: ObjectStore;
  stop(): Promise<void>;
}

export const bucketName = 'meridian-documents';

export async function startEmbeddedStack(options: EmbeddedOptions): Promise<EmbeddedStack> {
  const logLevel = options.logLevel ?? 'info';
  const logger = createLogger('embedded', logLevel);
  const dataDir = resolve(options.dataDir);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
  };

  try {
    const databaseUrls = { ...options.databaseUrls } as Record<SubgraphName, string>;
    for (const name of subgraphNames) {
      if (!options.databaseUrls) {
        const database = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres', name), database: name });
        stops.push(() => database.stop());
        databaseUrls[name] = database.connectionString;
      }
      const applied = await migrate(databaseUrls[name], migrationsDir(name));
      if (applied.length > 0) logger.info({ subgraph: name, applied }, 'migrations applied');
    }

    // The pages that may call the router may upload their files too.
    const cors = { ...options.cors, origins: options.cors?.origins ?? (options.production ? [] : developmentCorsOrigins) };
    const s3 = await startEmbeddedS3({ directory: join(dataDir, 's3'), bucket: bucketName, corsOrigins: cors.origins });
    stops.push(s3.stop);

    const seeded = options.seed === false ? false : await seedDemoData(databaseUrls, s3.config, logger);

    const { close, ...shared } = connectSharedAdapters(options.redisUrl, logger, {
      namespace: options.eventsNamespace ?? 'meridian',
      claimIdleMs: 15_000,
    });
    stops.push(close);

    // Document jobs stay in this process: the documents subgraph runs the extraction worker itself.
    const objects = createObjectStore(s3.config);
    const tuning: SubgraphTuning = {
      ...options.tuning,
      documents: { objects, queue: createInProcessJobQueue(logger), worker: true, ...options.tuning?.documents },
    };

    const tokens = { jwksUrl: '', issuer: 'meridian-auth', audience: 'meridian' };
    const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
    for (const [name, start] of subgraphStarters) {
      const config: SubgraphConfig = {
        name,
        port: options.subgraphPorts === 'default' ? defaultPorts[name] : 0,
        host: '127.0.0.1',
        databaseUrl: databaseUrls[name],
        // PGlite executes one statement at a time; one pooled connection keeps transactions simple.
        databasePoolMax: options.databaseUrls ? 5 : 1,
        maxBodyBytes: 1_000_000,
        production: options.production ?? false,
        logLevel,
        redisUrl: undefined,
        tokens,
        admin: { port: options.subgraphAdmin?.[name]?.port ?? 0, host: options.subgraphAdmin?.[name]?.host ?? '127.0.0.1' },
      };
      subgraphs[name] = await start(config, shared, tuning);
      stops.push(() => subgraphs[name].stop());
      if (name === 'auth') tokens.jwksUrl = `${subgraphs.auth.http.url}/.well-known/jwks.json`;
    }

    const supergraphPath = join(dataDir, 'supergraph.graphql');
    const urls = Object.fromEntries(subgraphNames.map((n) => [n, subgraphs[n].url]));
    writeFileSync(supergraphPath, composeSupergraph(withUrls(readSupergraphConfig(defaultSupergraphConfig), urls)));

    const router = await startRouter({
      supergraphPath,
      port: options.routerPort,
      production: options.production ?? false,
      maxBodyBytes: 256 * 1024,
      tokens,
      websocket: options.websocket,
      cors,
      admin: options.admin,
      rateLimits: options.rateLimits,
      cost: { report: options.reportCost ?? false },
      trustedDocuments: options.trustedDocuments,
      logger: createLogger('router', logLevel),
    });
    stops.push(() => router.stop());

    return { router, subgraphs, databaseUrls, seeded, objects, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
