/**
 * `npx tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [per]` — what grew between
 * two V8 heap snapshots (e.g. from `BENCH_HEAP_SNAPSHOTS=<dir> npm run bench subscriptions`), by
 * constructor / node kind: count and self size before and after, and the growth divided by `per`
 * (e.g. the number of subscriptions opened in between). Self sizes only: retained sizes need the
 * whole graph; the names say who owns what well enough to find it in the code.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size by node kind (`Object`, `(closure) name`, `(string)`, ...). */
function census(path: string): Map<string, { count: number; size: number }> {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    const name = strings[nodes[i + nameAt]!]!;
    const kind =
      type === 'object'
        ? name
        : type === 'string' || type === 'concatenated string' || type === 'sliced string'
          ? '(string)'
          : type === 'closure'
            ? `(closure) ${name || '(anonymous)'}`
            : type === 'code' || type === 'number' || type === 'synthetic'
              ? `(${type})`
              : `(${type}) ${name.length > 60 ? `${name.slice(0, 60)}...` : name}`;
    const entry = byKind.get(kind) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += nodes[i + sizeAt]!;
    byKind.set(kind, entry);
  }
  return byKind;
}

const [beforePath, afterPath, perText = '1'] = process.argv.slice(2);
if (!beforePath || !afterPath) throw new Error('usage: tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [per]');
const per = Number(perText);
const before = census(beforePath);
const after = census(afterPath);
const total = (m: typeof before) => [...m.values()].reduce((a, e) => a + e.size, 0);
const rows = [...new Set([...before.keys(), ...after.keys()])]
  .map((kind) => {
    const b = before.get(kind) ?? { count: 0, size: 0 };
    const a = after.get(kind) ?? { count: 0, size: 0 };
    return { kind, count: a.count - b.count, size: a.size - b.size };
  })
  .sort((x, y) => y.size - x.size);
console.log(
  `heap (self sizes): ${(total(before) / 2 ** 20).toFixed(1)} MiB -> ${(total(after) / 2 ** 20).toFixed(1)} MiB; ` +
    `growth ${((total(after) - total(before)) / per).toFixed(0)} bytes per unit (${per} units)`,
);
console.log('bytes/unit  objects/unit  kind');
for (const row of rows.slice(0, 45)) {
  console.log(`${(row.size / per).toFixed(0).padStart(10)}  ${(row.count / per).toFixed(2).padStart(12)}  ${row.kind}`);
}
