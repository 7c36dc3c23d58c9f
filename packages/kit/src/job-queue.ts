/**
 * Work queues: BullMQ on Redis in services mode, in-process in embedded mode, one contract. A queue
 * carries ids only — the database row is the truth, so a job queued twice is harmless and a job lost
 * from the queue can be queued again from its row.
 *
 * - `enqueue(id)` is idempotent while the job is waiting or running (BullMQ dedups by job id);
 * - a handler that throws is retried with exponential backoff up to `attempts`; one that throws
 *   {@link PermanentJobFailure} is not retried;
 * - a job whose worker died (no lock renewal for `lockMs`) is handed to another worker;
 * - `onFailed` hears of every job that ran out of attempts or failed permanently.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from './logger.js';

/** A failure retrying cannot fix (a corrupt file, an unsupported format). */
export class PermanentJobFailure extends UnrecoverableError {
  override readonly name = 'PermanentJobFailure';
}

export interface JobPolicy {
  /** Runs of one job before it fails for good. */
  attempts: number;
  /** First retry delay; doubles each time. */
  backoffMs: number;
  /** How many jobs one worker runs at once. */
  concurrency: number;
  /** A running job whose worker stops renewing its lock for this long is taken over. */
  lockMs: number;
}

export const defaultJobPolicy: JobPolicy = { attempts: 4, backoffMs: 1000, concurrency: 2, lockMs: 30_000 };

export type JobHandler = (id: string, attempt: number) => Promise<void>;
export interface FailedJob {
  id: string;
  attempts: number;
  reason: string;
  permanent: boolean;
}

export interface JobQueue {
  enqueue(id: string): Promise<void>;
  /** Starts working: `handler` runs for each job; `onFailed` when one fails for good. */
  work(handler: JobHandler, onFailed: (failed: FailedJob) => Promise<void>): void;
  close(): Promise<void>;
}

/** BullMQ on Redis. Producers only call `enqueue`; the worker process calls `work`. */
export function createBullJobQueue(
  name: string,
  connection: ConnectionOptions,
  logger: Logger,
  options: { policy?: JobPolicy; prefix?: string } = {},
): JobQueue {
  const policy = options.policy ?? defaultJobPolicy;
  const prefix = options.prefix ?? 'meridian';
  const queue = new Queue(name, { connection, prefix });
  let worker: Worker | undefined;
  return {
    async enqueue(id) {
      await queue.add(
        'job',
        { id },
        {
          jobId: id,
          attempts: policy.attempts,
          backoff: { type: 'exponential', delay: policy.backoffMs },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    },
    work(handler, onFailed) {
      worker = new Worker(name, async (job) => handler((job.data as { id: string }).id, job.attemptsMade + 1), {
        connection,
        prefix,
        concurrency: policy.concurrency,
        lockDuration: policy.lockMs,
        stalledInterval: Math.max(1000, Math.floor(policy.lockMs / 2)),
      });
      worker.on('failed', (job, error) => {
        if (!job) return;
        const permanent = error instanceof UnrecoverableError || error.name === 'PermanentJobFailure';
        const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
        if (!permanent && !exhausted) {
          logger.warn({ err: error, jobId: job.id, attempt: job.attemptsMade }, 'job failed, will retry');
          return;
        }
        onFailed({ id: (job.data as { id: string }).id, attempts: job.attemptsMade, reason: error.message, permanent }).catch(
          (recordError: unknown) => logger.error({ err: recordError, jobId: job.id }, 'recording a failed job failed'),
        );
      });
      worker.on('error', (error) => logger.error({ err: error }, 'job worker error'));
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}

/** The embedded mode's queue: same contract in one process (no takeover: the process is the worker). */
export function createInProcessJobQueue(logger: Logger, policy: JobPolicy = defaultJobPolicy): JobQueue {
  const waiting: string[] = [];
  const queued = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let running = 0;
  let handler: JobHandler | undefined;
  let onFailed: ((failed: FailedJob) => Promise<void>) | undefined;
  let closed = false;

  function pump() {
    while (!closed && handler && running < policy.concurrency && waiting.length > 0) {
      const id = waiting.shift()!;
      running += 1;
      void run(id, 1);
    }
  }

  async function run(id: string, attempt: number): Promise<void> {
    try {
      await handler!(id, attempt);
      queued.delete(id);
    } catch (error) {
      const permanent = error instanceof UnrecoverableError;
      if (!permanent && attempt < policy.attempts && !closed) {
        logger.warn({ err: error, jobId: id, attempt }, 'job failed, will retry');
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            void run(id, attempt + 1);
          },
          policy.backoffMs * 2 ** (attempt - 1),
        );
        timers.add(timer);
        return; // keeps its running slot while it waits, as a BullMQ job keeps its place
      }
      queued.delete(id);
      await onFailed?.({ id, attempts: attempt, reason: (error as Error).message, permanent }).catch((recordError: unknown) =>
        logger.error({ err: recordError, jobId: id }, 'recording a failed job failed'),
      );
    }
    running -= 1;
    pump();
  }

  return {
    async enqueue(id) {
      if (closed || queued.has(id)) return;
      queued.add(id);
      waiting.push(id);
      pump();
    },
    work(h, failed) {
      handler = h;
      onFailed = failed;
      pump();
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
