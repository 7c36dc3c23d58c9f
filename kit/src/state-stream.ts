/**
 * An async iterator fed by pushes, for live subscriptions: a producer pushes states, a GraphQL
 * server pulls them. Each item is a whole state, so when more than `limit` wait for a slow reader
 * the oldest is dropped — the reader gets the newest, memory stays bounded.
 *
 * A class (its methods live once on the prototype): there is one per open subscription. Subclasses
 * hear the end through {@link StateStream.finished}, once, however the stream ends (drained after
 * `end()`, or the reader left).
 */
export class StateStream<T> implements AsyncGenerator<T, undefined> {
  private queue: T[] = [];
  private ending = false;
  private failure: unknown;
  private done = false;
  private wake: (() => void) | undefined;
  private drainWaiters: (() => void)[] | undefined;

  constructor(private readonly limit: number) {}

  /** Queues a state (dropping the oldest beyond `limit`); ignored once ending. */
  push(item: T): void {
    if (this.done || this.ending) return;
    this.queue.push(item);
    if (this.queue.length > this.limit) this.queue.shift();
    this.wake?.();
  }

  /** No more states: the reader gets what is queued, then the end (or `error`, thrown to it). */
  end(error?: unknown): void {
    if (this.ending) return;
    this.ending = true;
    this.failure = error;
    this.wake?.();
  }

  /** True once `end()` was called or the reader left. */
  get ended(): boolean {
    return this.ending || this.done;
  }

  /** Resolves when the stream is over and its reader has seen the end. */
  drained(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    while (!this.done) {
      if (this.queue.length > 0) return { done: false, value: this.queue.shift()! };
      if (this.ending) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    await this.finish();
    if (this.failure !== undefined) throw this.failure;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    await this.finish();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    await this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Runs once when the stream is over; override to release what feeds it. */
  protected finished(): void | Promise<void> {}

  private async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.wake?.();
    for (const resolve of this.drainWaiters ?? []) resolve();
    await this.finished();
  }
}
