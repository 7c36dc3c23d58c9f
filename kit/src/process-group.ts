/**
 * Tests that need services as real, separate processes (crashes, restarts, several replicas): start
 * each one as its own node process on a port of its own, collect their output for failure messages,
 * and stop whatever is left at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitHealthy } from './wait-healthy.ts';

const root = new URL('../../', import.meta.url).pathname;

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<void>;
  /** Resolves once `/health` on `healthUrl` answers 2xx. */
  healthy(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function createProcessGroup(baseEnv: Record<string, string>) {
  const started: ServiceProcess[] = [];
  let output = '';

  return {
    /** Starts `script` (a path from the repository root) as `name`; `healthUrl` is where it answers `/health`. */
    start(name: string, script: string, options: { env?: Record<string, string>; args?: string[]; healthUrl: string }) {
      // One node process per service (no tsx launcher in between), so signals reach the service itself.
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...(options.args ?? [])], {
        cwd: root,
        env: { ...(process.env as Record<string, string>), ...baseEnv, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (output += `${name}| ${d}`));
      child.stderr!.on('data', (d: Buffer) => (output += `${name}| ${d}`));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const service: ServiceProcess = {
        name,
        child,
        exited,
        healthy: (timeoutMs = 60_000) => waitHealthy(options.healthUrl, { timeoutMs, process: child, describe: () => output }),
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      started.push(service);
      return service;
    },
    /** Stops every process still running (SIGTERM, then SIGKILL after `graceMs`). */
    async stopAll(graceMs = 5_000) {
      const running = started.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
      const timer = setTimeout(() => running.forEach((s) => s.child.kill('SIGKILL')), graceMs);
      await Promise.all(running.map((s) => s.stop()));
      clearTimeout(timer);
    },
  };
}
