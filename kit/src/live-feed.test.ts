import { describe, expect, it } from 'vitest';
import { liveFeed, type LiveView } from './live-feed.js';
import { createInProcessPubSub, type PubSub } from './pubsub.js';

/** In-process pub/sub that counts who listens. */
function countedPubSub() {
  const inner = createInProcessPubSub();
  let listening = 0;
  const pubsub: PubSub = {
    ...inner,
    async subscribe(channel, listener) {
      const stop = await inner.subscribe(channel, listener);
      listening += 1;
      return async () => {
        listening -= 1;
        await stop();
      };
    },
  };
  return { pubsub, listening: () => listening };
}

/** A counter that only goes up and ends at 10 or more; a message 'gone' ends it. */
const counter = (current: number): LiveView<number> => ({
  current,
  next: (state, message) => (message === 'gone' ? 'end' : typeof message === 'number' && message > state ? message : 'skip'),
  isLast: (state) => state >= 10,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('live feed', () => {
  it('sends the current state, then each newer one, skipping older ones, and ends after the last', async () => {
    const { pubsub, listening } = countedPubSub();
    const feed = await liveFeed(pubsub, 'c', async () => counter(1));
    for (const n of [2, 1, 2, 3, 10, 11]) await pubsub.publish('c', n);
    await tick();
    const seen: number[] = [];
    for await (const n of feed) seen.push(n);
    expect(seen).toEqual([1, 2, 3, 10]);
    expect(listening()).toBe(0);
  });

  it('keeps the latest states for a slow reader: at most maxPending wait', async () => {
    const { pubsub } = countedPubSub();
    const feed = await liveFeed(pubsub, 'c', async () => counter(0), 2);
    for (const n of [1, 2, 3, 4, 5]) await pubsub.publish('c', n);
    await tick();
    expect([(await feed.next()).value, (await feed.next()).value]).toEqual([4, 5]);
    await pubsub.publish('c', 12);
    expect(await feed.next()).toEqual({ done: false, value: 12 });
    expect((await feed.next()).done).toBe(true);
  });

  it('a message published while the current state is read is applied after it', async () => {
    const { pubsub } = countedPubSub();
    const feed = await liveFeed(pubsub, 'c', async () => {
      await pubsub.publish('c', 5);
      await tick();
      return counter(3);
    });
    expect([(await feed.next()).value, (await feed.next()).value]).toEqual([3, 5]);
    await feed.return(undefined);
  });

  it('ends when the view says the thing is gone, and when the reader leaves while waiting', async () => {
    const { pubsub, listening } = countedPubSub();
    const ended = await liveFeed(pubsub, 'a', async () => counter(1));
    await ended.next();
    await pubsub.publish('a', 'gone');
    expect((await ended.next()).done).toBe(true);

    const left = await liveFeed(pubsub, 'b', async () => counter(1));
    await left.next();
    const waiting = left.next();
    await left.return(undefined);
    expect((await waiting).done).toBe(true);
    expect(listening()).toBe(0);
  });

  it('stops listening when reading the current state fails, and passes the error on', async () => {
    const { pubsub, listening } = countedPubSub();
    await expect(
      liveFeed(pubsub, 'c', async () => {
        throw new Error('no such thing');
      }),
    ).rejects.toThrow('no such thing');
    expect(listening()).toBe(0);
  });
});
