/**
 * A live view of one thing (an order, a document job) for a GraphQL subscription, fed from a pub/sub
 * channel: its current state first, then each newer state a message brings, until a last one.
 *
 * Listening starts before the current state is read, so a change made in between is not lost; a
 * message older than the state read is skipped by the view, which only ever moves forward. Between
 * the channel and a client that reads slowly at most `maxPending` states wait: since states only move
 * forward, the oldest waiting ones are dropped when more arrive, and the client gets the latest.
 */
import type { PubSub } from './pubsub.js';
import { StateStream } from './state-stream.js';

/** How a feed follows one thing; built once listening is in effect. */
export interface LiveView<T> {
  /** The current state, read after listening started: the feed's first item. */
  current: T;
  /**
   * The state after `message`: a newer one; `'skip'` when the message does not move `state` forward
   * (older, a duplicate, or not understood); `'end'` when nothing more can come (the thing is gone).
   */
  next(state: T, message: unknown): T | 'skip' | 'end';
  /** True when nothing can follow `state`: it is sent, then the feed completes. */
  isLast(state: T): boolean;
}

/** Messages kept while the current state is being read (a burst at most: one read's worth of time). */
const maxEarlyMessages = 100;

/**
 * Listens on `channel`, then calls `open` for the view (which reads the current state and may throw,
 * e.g. NOT_FOUND: listening then stops and the error propagates). The returned iterator stops
 * listening when it completes, fails, or its consumer leaves (`return()`).
 */
export async function liveFeed<T>(
  pubsub: PubSub,
  channel: string,
  open: () => Promise<LiveView<T>>,
  maxPending = 4,
): Promise<AsyncGenerator<T, undefined>> {
  let view: LiveView<T> | undefined;
  let state: T | undefined;
  const early: unknown[] = [];

  const take = (message: unknown) => {
    if (!view) {
      early.push(message);
      if (early.length > maxEarlyMessages) early.shift();
      return;
    }
    if (feed.ended) return;
    try {
      const next = view.next(state as T, message);
      if (next === 'end') end();
      else if (next !== 'skip') queue(next);
    } catch (error) {
      end(error);
    }
  };
  const queue = (next: T) => {
    state = next;
    feed.push(next);
    if (view!.isLast(next)) end();
  };
  // Nothing more will be queued: stop listening now, the reader drains what waits.
  const end = (error?: unknown) => {
    feed.end(error);
    release().catch(() => undefined); // at worst the channel stays subscribed, with no listener of ours
  };

  const stop = await pubsub.subscribe(channel, take);
  let released: Promise<void> | undefined;
  const release = () => (released ??= stop());
  const feed = new Feed<T>(maxPending, release);
  try {
    view = await open();
  } catch (error) {
    await release();
    throw error;
  }
  queue(view.current);
  for (const message of early.splice(0)) take(message);
  return feed;
}

/** The feed's stream: stops listening on the channel when it is over. */
class Feed<T> extends StateStream<T> {
  constructor(
    limit: number,
    private readonly release: () => Promise<void>,
  ) {
    super(limit);
  }

  protected override finished() {
    return this.release();
  }
}
