/** The job-queue contract, for BullMQ on the real Redis and for the in-process queue alike. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createBullJobQueue, createInProcessJobQueue, PermanentJobFailure, type FailedJob, type JobQueue } from './job-queue.js';
import { createLogger } from './logger.js';
import { dropRedisNamespace, eventually, testRedisUrl } from './testing.js';

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
  it('runs each job, retries a failing one with backoff, and reports the ones that fail for good', async () => {
    const queue = create();
    const runs = new Map<string, number[]>();
    const failed: FailedJob[] = [];
    const [ok, flaky, broken, corrupt] = ['ok', 'flaky', 'broken', 'corrupt'].map((k) => `${k}-${randomUUID()}`) as [
      string,
      string,
      string,
      string,
    ];
    queue.work(
      async (id, attempt) => {
        runs.set(id, [...(runs.get(id) ?? []), attempt]);
        if (id === flaky && attempt < 2) throw new Error('storage down');
        if (id === broken) throw new Error('still down');
        if (id === corrupt) throw new PermanentJobFailure('The PDF cannot be read');
      },
      async (f) => void failed.push(f),
    );
    try {
      for (const id of [ok, flaky, broken, corrupt]) await queue.enqueue(id);
      await eventually(
        () => failed.length === 2 && runs.get(flaky)?.length === 2,
        'two jobs failed for good and the flaky one ran twice',
      );
      expect(runs.get(ok)).toEqual([1]);
      expect(runs.get(flaky)).toEqual([1, 2]);
      expect(runs.get(broken)).toEqual([1, 2, 3]);
      expect(runs.get(corrupt)).toEqual([1]);
      expect(failed.map((f) => [f.id, f.attempts, f.permanent]).sort()).toEqual(
        [
          [broken, 3, false],
          [corrupt, 1, true],
        ].sort(),
      );
      expect(failed.find((f) => f.id === corrupt)?.reason).toBe('The PDF cannot be read');
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
    queue.work(
      async (job) => void runs.push(job),
      async () => undefined,
    );
    try {
      await eventually(() => runs.length >= 1, 'the job ran');
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toEqual([id]);
    } finally {
      await queue.close();
    }
  }, 20_000);
});
