/** Waiting for a process started elsewhere to answer its `/health` route. */
import type { ChildProcess } from 'node:child_process';

/**
 * Polls `url` until it answers 2xx. Gives up after `timeoutMs`, or at once when `process` (the one
 * expected to serve it) has exited; `describe` adds context (its output) to the error.
 */
export async function waitHealthy(
  url: string,
  options: { timeoutMs?: number; process?: ChildProcess; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const context = () => (options.describe ? `\n${options.describe()}` : '');
  while (Date.now() < deadline) {
    if (options.process && options.process.exitCode !== null) {
      throw new Error(`${url}: the process exited with ${options.process.exitCode}${context()}`);
    }
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy${context()}`);
}
