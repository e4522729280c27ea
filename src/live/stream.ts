import type { GraphQLError } from 'graphql';
import { RateLimitedError } from '../errors.js';

/**
 * One subscription's stream: what its listener accepted, queued until GraphQL pulls it. An ending error
 * (the token was revoked, the subscriber fell too far behind) is delivered as a last item, which the
 * subscription's resolver turns into a GraphQL error before the stream completes.
 */

export type StreamItem<E> = { event: E; error?: undefined } | { error: GraphQLError; event?: undefined };

/** Past this many undelivered events the subscriber is too slow: its stream ends and it catches up. */
export const MAX_PENDING_EVENTS = 1_000;

/** Where a subscriber that fell behind catches up, given the last event it was sent (null: none yet). */
export type CatchUpHint<E> = (last: E | null) => string;

export class LiveStream<E extends { cursor: number }> implements AsyncIterableIterator<StreamItem<E>> {
  private readonly queue: Array<StreamItem<E>> = [];
  private waiter: ((r: IteratorResult<StreamItem<E>>) => void) | null = null;
  private open = true;
  private cleaned = false;
  private last: E | null = null;

  constructor(
    private readonly cleanup: () => void,
    private readonly catchUp: CatchUpHint<E>,
    private readonly maxPending = MAX_PENDING_EVENTS,
  ) {}

  push(event: E): void {
    if (!this.open) return;
    if (this.queue.length >= this.maxPending) {
      this.end(new RateLimitedError(`Too many undelivered events: read faster, or catch up with ${this.catchUp(this.last)} and subscribe again.`));
      return;
    }
    this.last = event;
    this.deliver({ event });
  }

  /** Ends the stream after what is queued, with a last error item when given. */
  end(error?: GraphQLError): void {
    if (!this.open) return;
    this.open = false;
    if (error) this.deliver({ error });
    if (this.queue.length === 0) this.settle();
    this.release();
  }

  next(): Promise<IteratorResult<StreamItem<E>>> {
    const item = this.queue.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (!this.open) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<StreamItem<E>>> {
    this.open = false;
    this.queue.length = 0;
    this.settle();
    this.release();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<StreamItem<E>>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(item: StreamItem<E>): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: item, done: false });
    } else {
      this.queue.push(item);
    }
  }

  private settle(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  private release(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.cleanup();
  }
}
