import { DataLoader, groupLoader, rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { DocumentStore } from '../ports.ts';
import type { Document } from '../domain/document.ts';

/** A request for the `limit` most recent documents of one owner. */
export interface RecentDocumentsKey {
  ownerId: string;
  limit: number;
}

/**
 * Batches `User.documents` across users: one query for the largest limit asked, then each key
 * gets its own owner's documents cut to its own limit.
 */
function recentDocumentsLoader(documents: DocumentStore) {
  return new DataLoader<RecentDocumentsKey, Document[], string>(
    async (keys) => {
      const limit = Math.max(...keys.map((k) => k.limit));
      const rows = await documents.recentOfOwners([...new Set(keys.map((k) => k.ownerId))], limit);
      const byOwner = new Map<string, Document[]>();
      for (const row of rows) {
        const list = byOwner.get(row.ownerId);
        if (list) list.push(row);
        else byOwner.set(row.ownerId, [row]);
      }
      return keys.map((k) => (byOwner.get(k.ownerId) ?? []).slice(0, k.limit));
    },
    { cacheKeyFn: (k) => `${k.ownerId}:${k.limit}` },
  );
}

/** Per-request loaders: one query per entity type per request. */
export function createLoaders(documents: DocumentStore) {
  return {
    document: rowLoader(
      (ids: readonly string[]) => documents.byIds(ids),
      (d) => d.id,
    ),
    job: rowLoader(
      (ids: readonly string[]) => documents.jobsByIds(ids),
      (j) => j.id,
    ),
    jobs: groupLoader(
      (ids: readonly string[]) => documents.jobsOf(ids),
      (j) => j.documentId,
    ),
    recentDocuments: recentDocumentsLoader(documents),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
