/**
 * Serves the gateway the supergraph SDL from a file and hot-swaps it when the file changes. The
 * gateway swaps its schema atomically: requests in flight finish on the schema they started with.
 * A file that does not parse as a supergraph is logged and ignored; the last good one stays live.
 */
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '#kit/logger';

/** The composed supergraph the router serves unless told otherwise (`npm run compose` writes it). */
export const defaultSupergraphFile = resolve(dirname(fileURLToPath(import.meta.url)), '../supergraph.graphql');

export interface SupergraphFileOptions {
  path: string;
  logger: Logger;
  /** How often the file's mtime is checked. */
  pollIntervalMs?: number;
  /** Called after each successful swap (tests, metrics). */
  onReload?: (hash: string) => void;
  /** Receives the supergraph SDL as read, at start and after each swap (access policies). */
  onSupergraph?: (sdl: string) => void;
}

/**
 * `@apollo/gateway` refuses supergraphs that link a `for: SECURITY` feature it does not implement
 * (`@authenticated`, `@requiresScopes`, `@policy`). Those directives are about who may run an
 * operation, not how to execute it, so the router hands the gateway the same supergraph with the
 * purpose dropped from those links, and enforces them itself (see authorization.ts).
 */
export function forGateway(sdl: string): string {
  return sdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[\d.]+"), for: SECURITY\)/g,
    '$1)',
  );
}

const hashOf = (sdl: string) => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

/** A `supergraphSdl` hook for `ApolloGateway` that watches `path`. */
export function supergraphFromFile(options: SupergraphFileOptions): SupergraphSdlHook {
  const { path, logger } = options;
  return async ({ update, healthCheck }) => {
    const raw = await readFile(path, 'utf8');
    options.onSupergraph?.(raw);
    const initial = forGateway(raw);
    let currentHash = hashOf(initial);
    logger.info({ path, hash: currentHash }, 'supergraph loaded');

    let checking = Promise.resolve();
    const check = () => {
      checking = checking.then(async () => {
        let raw: string;
        try {
          raw = await readFile(path, 'utf8');
        } catch (error) {
          logger.warn({ err: error, path }, 'supergraph file unreadable; keeping the current one');
          return;
        }
        const sdl = forGateway(raw);
        const hash = hashOf(sdl);
        if (hash === currentHash || sdl.trim().length === 0) return;
        try {
          update(sdl);
          options.onSupergraph?.(raw);
          currentHash = hash;
          logger.info({ path, hash }, 'supergraph reloaded');
          options.onReload?.(hash);
          // Surface unreachable subgraphs of the new supergraph in the logs, without failing the swap.
          healthCheck(sdl).catch((error: unknown) =>
            logger.warn({ err: error }, 'a subgraph of the new supergraph is not healthy'),
          );
        } catch (error) {
          logger.error({ err: error, path }, 'new supergraph rejected; keeping the current one');
        }
      });
    };
    watchFile(path, { interval: options.pollIntervalMs ?? 500 }, check);

    return {
      supergraphSdl: initial,
      cleanup: async () => {
        unwatchFile(path, check);
        await checking;
      },
    };
  };
}
