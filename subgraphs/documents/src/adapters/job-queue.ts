/**
 * Work queues: BullMQ on Redis in services mode, in-process in embedded mode, one contract. A queue
 * carries ids only — the database row is the truth, so a job queued twice is harmless and a job lost
 * from the queue can be queued again from its row.
 *
 * - `enqueue(id)` is idempotent while the job is waiting or running (BullMQ dedups by job id); a job
 *   that failed or finished runs again;
 * - a handler that throws is retried with exponential backoff up to `attempts`; one that throws
 *   {@link PermanentJobFailure} is not retried; one whose failure is transient (failures.ts: the
 *   database or the object store unavailable) is run again later without spending an attempt, for
 *   as long as the outage lasts;
 * - a job whose worker died (no lock renewal for `lockMs`) is handed to another worker — while a
 *   worker that was only slow may still be running it: the handler fences its own writes (a queue
 *   cannot stop a late write to the database);
 * - the handler is told whether its run is the last the queue will make, so it can record a failure
 *   for good itself, fenced like its other writes.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { backoffDelay, failureKindOf } from '#kit/failures';
import type { Logger } from '#kit/logger';
import { isFinalFailure, PermanentJobFailure, type JobHandler, type JobQueue } from '../ports.ts';

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

/** The longest wait between runs of a job whose dependency (database, object store) is unavailable. */
const maxTransientBackoffMs = 30_000;

export const defaultJobPolicy: JobPolicy = { attempts: 4, backoffMs: 1000, concurrency: 2, lockMs: 30_000 };

/** A permanent failure as BullMQ knows one, so that it does not retry the job: same name and message. */
function unrecoverable(failure: PermanentJobFailure): UnrecoverableError {
  const error = new UnrecoverableError(failure.message);
  error.name = failure.name;
  error.cause = failure;
  return error;
}

/**
 * BullMQ on Redis. Producers only call `enqueue`, on `connection` (give it bounded retries, so
 * enqueueing fails fast while Redis is down); the worker process calls `work`, on
 * `workerConnection` when given — BullMQ's workers block on Redis and need a client that retries
 * without limit (`maxRetriesPerRequest: null`).
 */
export function createBullJobQueue(
  name: string,
  connection: ConnectionOptions,
  logger: Logger,
  options: { policy?: JobPolicy; prefix?: string; workerConnection?: () => ConnectionOptions } = {},
): JobQueue {
  const policy = options.policy ?? defaultJobPolicy;
  const prefix = options.prefix ?? 'meridian';
  const queue = new Queue(name, { connection, prefix });
  queue.on('error', () => undefined); // a connection error fails the enqueue that met it; the client reports Redis down
  let worker: Worker | undefined;
  return {
    async enqueue(id) {
      // BullMQ dedups by job id, also against a job it failed or finished: such a one is queued
      // again from its row (a job a dead worker left), so it goes first. One waiting, delayed or
      // active is already queued.
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'failed' && state !== 'completed') return;
        await existing.remove();
      }
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
    work(handler) {
      const attempts = policy.attempts;
      worker = new Worker(
        name,
        async (job, token) => {
          try {
            await handler((job.data as { id: string }).id, {
              number: job.attemptsMade + 1,
              last: job.attemptsMade + 1 >= attempts,
            });
          } catch (error) {
            if (failureKindOf(error) !== 'transient') throw error instanceof PermanentJobFailure ? unrecoverable(error) : error;
            // The database or the object store is away: wait and run again, without spending an attempt.
            const waits = job.attemptsStarted - job.attemptsMade;
            logger.warn({ err: error, jobId: job.id, waits }, 'job waits for a dependency that is unavailable');
            await job.moveToDelayed(Date.now() + backoffDelay(waits, policy.backoffMs, maxTransientBackoffMs), token);
            throw new DelayedError();
          }
        },
        {
          connection: options.workerConnection?.() ?? connection,
          prefix,
          concurrency: policy.concurrency,
          lockDuration: policy.lockMs,
          stalledInterval: Math.max(1000, Math.floor(policy.lockMs / 2)),
        },
      );
      worker.on('failed', (job, error) => {
        if (!job) return;
        const permanent = error instanceof UnrecoverableError || error.name === 'PermanentJobFailure';
        const retry = !permanent && job.attemptsMade < (job.opts.attempts ?? 1);
        logger.warn(
          { err: error, jobId: job.id, attempt: job.attemptsMade },
          retry ? 'job failed, will retry' : 'job failed for good',
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
  let closed = false;

  function pump() {
    while (!closed && handler && running < policy.concurrency && waiting.length > 0) {
      const id = waiting.shift()!;
      running += 1;
      void run(id, 1);
    }
  }

  async function run(id: string, attempt: number, waits = 0): Promise<void> {
    const current = { number: attempt, last: attempt >= policy.attempts };
    try {
      await handler!(id, current);
      queued.delete(id);
    } catch (error) {
      if (!isFinalFailure(error, current) && !closed) {
        const transient = failureKindOf(error) === 'transient';
        logger.warn(
          { err: error, jobId: id, attempt },
          transient ? 'job waits for a dependency that is unavailable' : 'job failed, will retry',
        );
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            // A dependency that was away does not spend an attempt.
            void (transient ? run(id, attempt, waits + 1) : run(id, attempt + 1));
          },
          transient ? backoffDelay(waits + 1, policy.backoffMs, maxTransientBackoffMs) : policy.backoffMs * 2 ** (attempt - 1),
        );
        timers.add(timer);
        return; // keeps its running slot while it waits, as a BullMQ job keeps its place
      }
      queued.delete(id);
      logger.warn({ err: error, jobId: id, attempt }, 'job failed for good');
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
    work(h) {
      handler = h;
      pump();
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
