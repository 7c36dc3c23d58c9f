/**
 * `npm run build`: compiles the programs we run in production to JavaScript in `dist/` — the router,
 * the six subgraphs, the document worker, the migration step, the signing-key rotation (the `files`
 * of tsconfig.build.json, with everything they import; no tests) and the benchmark's baseline
 * gateway — and copies beside them the files they read at run time. `dist/` mirrors the repository's
 * layout, so every path the code takes from `import.meta.url` finds the same file there, and it runs
 * with nothing but the root's `node_modules`: `node dist/router/src/main.js`.
 *
 * Incremental: `tsc --build` recompiles only when a source is newer than its output, and the copies
 * are rewritten only when they differ, so building an up-to-date `dist/` takes about a second.
 * `start:services` and the benchmarks therefore build every time rather than ever run stale code;
 * they skip the type check (as tsx did before them), which `npm run build`, `npm run check` and CI do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subgraphNames } from './topology.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const distDir = join(root, 'dist');

/** What the compiled code reads from disk, as paths from the repository root (the same paths in `dist/`). */
const assets = [
  ...subgraphNames.map((name) => `subgraphs/${name}/schema.graphql`), // readSchemaFile() in subgraph.ts
  ...subgraphNames.map((name) => `prisma/${name}/migrations`), // migrationsDir(), for migrate-all
  'router/supergraph.graphql', // the router's default SUPERGRAPH_PATH
];

/** The compiled counterpart of a source file: `router/src/main.ts` -> `<root>/dist/router/src/main.js`. */
export const compiled = (source: string) => join(distDir, source.replace(/\.ts$/, '.js'));

/**
 * Brings `dist/` up to date with the sources; throws when they do not compile (tsc prints why).
 * `typeCheck: false` only emits: a cold build then takes a third of the time.
 */
export function build(options: { typeCheck?: boolean } = {}): void {
  const tsc = [join(root, 'node_modules/typescript/bin/tsc'), '--build', join(root, 'tsconfig.build.json')];
  execFileSync(process.execPath, options.typeCheck === false ? [...tsc, '--noCheck'] : tsc, { cwd: root, stdio: 'inherit' });
  for (const asset of assets) mirror(join(root, asset), join(distDir, asset));
  writeIfChanged(join(distDir, 'package.json'), distPackageJson());
}

/**
 * Node resolves `#kit` from the nearest package.json: the one in `dist/` maps it to the compiled kit.
 * Package names still resolve from the root's `node_modules` (Node looks for them in every parent folder).
 */
function distPackageJson(): string {
  const { imports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { imports: Record<string, string> };
  const compiledImports = Object.fromEntries(
    Object.entries(imports).map(([key, target]) => [key, target.replace(/\.ts$/, '.js')]),
  );
  return `${JSON.stringify({ name: 'meridian-dist', private: true, type: 'module', imports: compiledImports }, null, 2)}\n`;
}

/** Makes `to` a copy of `from` (a file or a folder), writing only what differs and removing what `from` no longer has. */
function mirror(from: string, to: string): void {
  if (!statSync(from).isDirectory()) return writeIfChanged(to, readFileSync(from));
  mkdirSync(to, { recursive: true });
  const entries = new Set(readdirSync(from));
  for (const stale of readdirSync(to).filter((entry) => !entries.has(entry))) rmSync(join(to, stale), { recursive: true });
  for (const entry of entries) mirror(join(from, entry), join(to, entry));
}

/** A process reading `dist/` while another one builds never sees a file rewritten under it for nothing. */
function writeIfChanged(path: string, content: string | Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(Buffer.from(content))) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    build();
  } catch {
    process.exit(1); // tsc has printed the errors
  }
  console.log(`dist/ is up to date (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
