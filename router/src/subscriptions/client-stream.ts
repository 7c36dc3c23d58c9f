/**
 * One client subscription's stream of results: the hub delivers, graphql-ws pulls (and sends each
 * result as a `next` message). At most `limit` results wait (see the kit's StateStream); the
 * socket's own buffer is bounded by the WebSocket transport.
 */
import type { ExecutionResult } from 'graphql';
import { StateStream } from '#kit/state-stream';
import type { Viewer } from '#kit/auth';
import type { LiveQueryHandle, Subscriber } from './hub.ts';

/** Whose subscription it is: the connection, whose identity a refreshed token replaces. */
export interface StreamOwner {
  viewer: Viewer | null;
}

export class ClientStream extends StateStream<ExecutionResult> implements Subscriber {
  /** The live query this stream takes its results from (set once joined). */
  live: LiveQueryHandle | undefined;

  /** `onFinish` runs once, when the consumer stops (client `complete`, disconnect) or the stream ends. */
  constructor(
    readonly owner: StreamOwner,
    private readonly onFinish: (stream: ClientStream) => void,
    limit = 8,
  ) {
    super(limit);
  }

  viewer(): Viewer | null {
    return this.owner.viewer;
  }

  deliver(result: ExecutionResult): void {
    this.push(result);
  }

  protected override finished() {
    this.onFinish(this);
  }
}
