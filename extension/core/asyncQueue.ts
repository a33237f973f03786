// A single-consumer queue that turns pushed values into an async iterable: the bridge between IPC
// messages arriving on events and a caller pulling with `for await`.

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;
  private failed = false;

  push(value: T): void {
    if (this.ended || this.failed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value, done: false });
    } else {
      this.values.push(value);
    }
  }

  /** No more values: the consumer finishes after draining what is queued. */
  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.wake();
  }

  /** The consumer throws `error` after draining what is queued. */
  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.error = error;
    this.wake();
  }

  get settled(): boolean {
    return this.ended || this.failed;
  }

  private wake(): void {
    if (!this.waiter || this.values.length > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.failed) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.values.length > 0) return Promise.resolve({ value: this.values.shift()!, done: false });
    if (this.failed) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
