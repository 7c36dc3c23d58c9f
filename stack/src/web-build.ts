/**
 * Keeps `web/dist` in step with the web app's sources: `npm start` builds it on the first start (and
 * after the sources changed), and the browser tests build it once per run — the first test file to
 * need it builds under a lock, the others wait for it and then find it fresh.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const webDir = join(root, 'web');
const distIndex = join(webDir, 'dist/index.html');
const lockDir = join(webDir, '.build-lock');
/** What is not a source of the bundle: its output, the browser tests, dependencies. */
const notSources = new Set(['dist', 'test', 'node_modules', '.build-lock']);

/** `missing`: never built; `stale`: a source is newer than the build; `fresh`. */
export type WebBuildState = 'missing' | 'stale' | 'fresh';

/** Whether `web/dist` is there and newer than every file of `web/` it is built from. */
export function webBuildState(): WebBuildState {
  const built = mtimeOf(distIndex);
  if (built === undefined) return 'missing';
  return newestSource(webDir) > built ? 'stale' : 'fresh';
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (notSources.has(entry.name)) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : (mtimeOf(path) ?? 0));
  }
  return newest;
}

/** Runs `npm run build:web`; `quiet` keeps Vite's output unless the build fails. Rejects on failure. */
export async function buildWeb(options: { quiet?: boolean } = {}): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', '--silent', 'build:web'], {
    cwd: root,
    stdio: ['ignore', options.quiet ? 'pipe' : 'inherit', options.quiet ? 'pipe' : 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', done);
  });
  if (code !== 0) throw new Error(`npm run build:web failed (exit code ${code})${output ? `:\n${output}` : ''}`);
}

/**
 * Builds `web/dist` unless it is fresh, one process at a time (a lock folder beside it: parallel test
 * files wait for the first one's build). Returns the state it found.
 */
export async function ensureWebBuild(options: { quiet?: boolean } = {}): Promise<WebBuildState> {
  const found = webBuildState();
  if (found === 'fresh') return found;
  await withLock(async () => {
    if (webBuildState() !== 'fresh') await buildWeb(options);
  });
  return found;
}

async function withLock(work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left over from a process that died while building.
      const age = Date.now() - (mtimeOf(lockDir) ?? Date.now());
      if (age > 5 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lockDir} is held: another web build has not finished`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
