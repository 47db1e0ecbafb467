/**
 * The hand-off between ring-buffer batches and an async iterator, shared by IpcTrace and
 * SyscallRecorder: items are pushed synchronously while a batch is decoded, and the
 * iterator takes the whole backlog at once (no per-item shift()).
 */
export class BatchQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  push(item: T): void {
    this.items.push(item);
  }

  get length(): number {
    return this.items.length;
  }

  /** Let a waiting iterator run (call after pushing a batch). */
  wake(): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w();
    }
  }

  /** No more items: the iterator ends once the backlog is consumed. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        yield* batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
