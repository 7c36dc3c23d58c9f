/**
 * The processes a benchmark starts, and what /proc says about them (CPU time, peak memory). Shared by
 * the scenarios (`bench/<scenario>.ts`, dispatched by `bench/run.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../packages/stack/src/build.ts';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every process a scenario started; `stopChildren` ends them all. */
export const children: ChildProcess[] = [];

/**
 * Starts `node <nodeArgs>` (in `cwd`, default the repository) with the benchmark's environment plus
 * `env`. BENCH_PROFILE=<dir> writes a V8 CPU profile of the process there (open in Chrome DevTools);
 * BENCH_HEAP_SNAPSHOTS=<dir> lets a scenario ask it for a heap snapshot (SIGUSR2), written there.
 */
export function spawnNode(nodeArgs: string[], env: Record<string, string>, cwd = root): ChildProcess {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  if (process.env.BENCH_HEAP_SNAPSHOTS) {
    profile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOTS}`);
  }
  const child = spawn(process.execPath, [...profile, ...nodeArgs], {
    cwd,
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/**
 * A program of the repository as production runs it: its compiled JavaScript (`npm run build`, done at
 * the start of a run), one process, so its pid is the one whose CPU and RSS we read.
 */
export const node = (script: string, args: string[], env: Record<string, string>): ChildProcess =>
  spawnNode([compiled(script), ...args], env);

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => (child.kill('SIGKILL'), resolve()), 10_000).unref();
  });
}

export const stopChildren = () => Promise.all(children.map(stopProcess));

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used so far by every process whose command name is `comm` (PostgreSQL backends, Redis). */
export function cpuOfCommand(comm: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) total += cpuSeconds(Number(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** CPU time of the whole machine so far, busy and total, in seconds (first line of /proc/stat), and of every process. */
export function machineCpu(): { busy: number; total: number; processes: Map<string, number> } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const processes = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(-100);
      processes.set(`${pid} ${command || readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}`, cpuSeconds(Number(pid)));
    } catch {
      // the process ended meanwhile
    }
  }
  return { busy: (total - fields[3]! - fields[4]!) / 100, total: total / 100, processes };
}

/** A line of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`). */
const statusKiB = (pid: number, key: string) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return Number(line?.replace(/\D+/g, '') ?? 0);
};

/** Current resident set size of a process (VmRSS), in KiB. */
export const rssKiB = (pid: number) => statusKiB(pid, 'VmRSS');

/** VmHWM: the peak resident set size of a process, in MiB. */
export const peakRssMiB = (pid: number) => Math.round(statusKiB(pid, 'VmHWM') / 1024);

/** The `p`th percentile of sorted `xs`. */
export const pct = (xs: readonly number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
