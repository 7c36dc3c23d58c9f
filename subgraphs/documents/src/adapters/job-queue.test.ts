/** The job-queue contract, for BullMQ on the real Redis and for the in-process queue alike. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TransientFailure } from '#kit/failures';
import { startRedisServer } from '#kit/fault-injection';
import { createBullJobQueue, createInProcessJobQueue } from './job-queue.ts';
import { PermanentJobFailure, type JobAttempt, type JobQueue } from '../ports.ts';
import { createLogger } from '#kit/logger';
import { connectRedis } from '#kit/process';
import { dropRedisNamespace, eventually, testRedisUrl } from '#kit/testing';

const logger = createLogger('test', 'silent');
const policy = { attempts: 3, backoffMs: 50, concurrency: 2, lockMs: 5_000 };
const prefix = `test-jobs-${randomUUID().slice(0, 8)}`;
const connections: Redis[] = [];

afterAll(async () => {
  await dropRedisNamespace(prefix);
  for (const connection of connections) connection.disconnect();
});

const queues: [string, () => JobQueue][] = [
  [
    'BullMQ on Redis',
    () => {
      const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
      connections.push(connection);
      return createBullJobQueue(`q-${randomUUID().slice(0, 8)}`, connection, logger, { policy, prefix });
    },
  ],
  ['in-process', () => createInProcessJobQueue(logger, policy)],
];

describe.each(queues)('job queue: %s', (_name, create) => {
  it('runs each job, retries a failing one with backoff, and tells each run whether it is the last', async () => {
    const queue = create();
    const runs = new Map<string, JobAttempt[]>();
    const [ok, flaky, broken, corrupt] = ['ok', 'flaky', 'broken', 'corrupt'].map((k) => `${k}-${randomUUID()}`) as [
      string,
      string,
      string,
      string,
    ];
    queue.work(async (id, attempt) => {
      runs.set(id, [...(runs.get(id) ?? []), attempt]);
      if (id === flaky && attempt.number < 2) throw new Error('storage down');
      if (id === broken) throw new Error('still down');
      if (id === corrupt) throw new PermanentJobFailure('The PDF cannot be read');
    });
    try {
      for (const id of [ok, flaky, broken, corrupt]) await queue.enqueue(id);
      await eventually(
        () => runs.get(broken)?.length === 3 && runs.get(flaky)?.length === 2 && runs.has(ok) && runs.has(corrupt),
        'the broken job ran three times and the flaky one twice',
      );
      await new Promise((r) => setTimeout(r, 300)); // nothing runs again
      const first = { number: 1, last: false };
      expect(runs.get(ok)).toEqual([first]);
      expect(runs.get(flaky)).toEqual([first, { number: 2, last: false }]);
      expect(runs.get(broken)).toEqual([first, { number: 2, last: false }, { number: 3, last: true }]);
      expect(runs.get(corrupt)).toEqual([first]); // a permanent failure is not retried
    } finally {
      await queue.close();
    }
  }, 20_000);

  it('a job whose dependency is unavailable runs again past its attempts, spending none, until it succeeds', async () => {
    const queue = create();
    const id = `outage-${randomUUID()}`;
    const runs: JobAttempt[] = [];
    queue.work(async (_id, attempt) => {
      runs.push(attempt);
      if (runs.length <= 5) throw new TransientFailure('the database is unavailable');
    });
    try {
      await queue.enqueue(id);
      await eventually(() => runs.length === 6, 'the job ran six times', 20_000);
      await new Promise((r) => setTimeout(r, 300)); // and not again: it succeeded
      expect(runs).toEqual(Array(6).fill({ number: 1, last: false })); // 3 attempts allowed, none spent
    } finally {
      await queue.close();
    }
  }, 30_000);

  it('a job that failed for good runs again when it is queued again (from its row)', async () => {
    const queue = create();
    const id = `again-${randomUUID()}`;
    const runs: JobAttempt[] = [];
    queue.work(async (_id, attempt) => {
      runs.push(attempt);
      if (runs.length === 1) throw new PermanentJobFailure('the worker died on it');
    });
    try {
      await queue.enqueue(id);
      await eventually(() => runs.length === 1, 'the job ran once');
      await new Promise((r) => setTimeout(r, 200)); // failed for good
      await queue.enqueue(id);
      await eventually(() => runs.length === 2, 'the job ran again');
    } finally {
      await queue.close();
    }
  }, 20_000);

  it('a job queued twice while it waits runs once', async () => {
    const queue = create();
    const id = randomUUID();
    await queue.enqueue(id);
    await queue.enqueue(id);
    const runs: string[] = [];
    queue.work(async (job) => void runs.push(job));
    try {
      await eventually(() => runs.length >= 1, 'the job ran');
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toEqual([id]);
    } finally {
      await queue.close();
    }
  }, 20_000);
});

describe('BullMQ producer with Redis down', () => {
  it('enqueueing fails within a bounded time instead of waiting for Redis to come back', async () => {
    const redis = await startRedisServer();
    const connection = connectRedis(redis.url, logger);
    const queue = createBullJobQueue(`q-${randomUUID().slice(0, 8)}`, connection, logger, { policy, prefix });
    try {
      await queue.enqueue(randomUUID());
      await redis.kill();
      const started = Date.now();
      await expect(queue.enqueue(randomUUID())).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      connection.disconnect();
      await redis.stop();
    }
  }, 20_000);
});
