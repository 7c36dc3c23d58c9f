/**
 * In-flight sharing: callers asking for the same thing while it is being fetched wait on one promise
 * instead of starting their own work. Nothing is cached: the key is forgotten as soon as the promise
 * settles, so a later caller starts afresh. A rejection is shared like a value (every waiter gets it).
 *
 * ```ts
 * const inFlight = new InFlight<Answer>();
 * const { result, shared } = inFlight.share(key, () => ask(upstream));
 * ```
 *
 * Used by the subgraph fetch layer (identical query fetches) and meant for identical client
 * operations too (issue 12, point 3). Values are shared as they are: a caller that mutates what it
 * gets must share something immutable (bytes, text) and derive its own copy.
 */

/** Shares one promise among callers with the same key while it is pending (forgotten when settled). */
export class InFlight<T> {
  readonly #pending = new Map<string, Promise<T>>();

  /**
   * The pending promise for `key` if there is one (`shared: true`); otherwise `run()`'s, remembered
   * until it settles. `run` may throw synchronously: that becomes a rejection, shared like any other.
   */
  share(key: string, run: () => Promise<T>): { result: Promise<T>; shared: boolean } {
    const pending = this.#pending.get(key);
    if (pending) return { result: pending, shared: true };
    let result: Promise<T>;
    try {
      result = run();
    } catch (error) {
      result = Promise.reject(error);
    }
    this.#pending.set(key, result);
    // Registered before the caller can await `result`, so the key is gone by the time any caller
    // resumes: a caller that starts after the answer arrived never joins the old one.
    const forget = () => {
      if (this.#pending.get(key) === result) this.#pending.delete(key);
    };
    result.then(forget, forget);
    return { result, shared: false };
  }

  /** Keys in flight now. */
  get size(): number {
    return this.#pending.size;
  }
}
