import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.ts';

/** A promise the test settles by hand, and how many times its work was started. */
function manualWork<T>() {
  const work = { starts: 0, resolve: (_: T) => {}, reject: (_: unknown) => {} };
  const run = () => {
    work.starts++;
    return new Promise<T>((resolve, reject) => Object.assign(work, { resolve, reject }));
  };
  return { work, run };
}

describe('InFlight', () => {
  it('callers with the same key while it is pending share one run', async () => {
    const inFlight = new InFlight<string>();
    const { work, run } = manualWork<string>();
    const first = inFlight.share('a', run);
    const second = inFlight.share('a', run);
    expect(first.shared).toBe(false);
    expect(second.shared).toBe(true);
    expect(second.result).toBe(first.result);
    expect(inFlight.size).toBe(1);
    work.resolve('answer');
    expect(await Promise.all([first.result, second.result])).toEqual(['answer', 'answer']);
    expect(work.starts).toBe(1);
  });

  it('different keys run separately', async () => {
    const inFlight = new InFlight<string>();
    let starts = 0;
    const run = async () => `run ${++starts}`;
    const [a, b] = [inFlight.share('a', run), inFlight.share('b', run)];
    expect([a.shared, b.shared]).toEqual([false, false]);
    expect(await Promise.all([a.result, b.result])).toEqual(['run 1', 'run 2']);
  });

  it('a key is forgotten once settled: a caller that starts after the answer runs afresh', async () => {
    const inFlight = new InFlight<number>();
    let starts = 0;
    const run = async () => ++starts;
    expect(await inFlight.share('a', run).result).toBe(1);
    expect(inFlight.size).toBe(0);
    const again = inFlight.share('a', run);
    expect(again.shared).toBe(false);
    expect(await again.result).toBe(2);
  });

  it('a failure reaches every waiter and is forgotten too', async () => {
    const inFlight = new InFlight<string>();
    const { work, run } = manualWork<string>();
    const waiters = [inFlight.share('a', run), inFlight.share('a', run), inFlight.share('a', run)];
    const failure = new Error('upstream down');
    work.reject(failure);
    for (const { result } of waiters) await expect(result).rejects.toBe(failure);
    expect(work.starts).toBe(1);
    expect(inFlight.size).toBe(0);
  });

  it('a run that throws synchronously becomes a shared rejection, not a throw from share()', async () => {
    const inFlight = new InFlight<string>();
    const turn = inFlight.share('a', () => {
      throw new Error('bad input');
    });
    await expect(turn.result).rejects.toThrow('bad input');
    expect(inFlight.size).toBe(0);
  });
});
