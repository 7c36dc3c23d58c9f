/**
 * DataLoader helpers: one batched query per entity type per request. Batch functions must return
 * results in key order; these put rows back in that order.
 */
import DataLoader from 'dataloader';

/** A loader of single rows by key; missing keys resolve to null. */
export function rowLoader<K, R>(load: (keys: readonly K[]) => Promise<R[]>, keyOf: (row: R) => K) {
  return new DataLoader<K, R | null>(async (keys) => {
    const rows = await load(keys);
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** A loader of row lists by key (e.g. items by order id); missing keys resolve to []. */
export function groupLoader<K, R>(load: (keys: readonly K[]) => Promise<R[]>, keyOf: (row: R) => K) {
  return new DataLoader<K, R[]>(async (keys) => {
    const rows = await load(keys);
    const groups = new Map<K, R[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}

export { DataLoader };
