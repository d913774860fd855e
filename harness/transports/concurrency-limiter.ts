/** Runs at most `concurrency` handlers at once, queueing the rest in arrival order (in-process delivery). */
export class ConcurrencyLimiter<Item> {
  readonly #concurrency: number;
  readonly #handle: (item: Item) => Promise<void>;
  #queue: Item[] = [];
  #head = 0;
  #running = 0;

  constructor(concurrency: number, handle: (item: Item) => Promise<void>) {
    this.#concurrency = concurrency;
    this.#handle = handle;
  }

  /** Items waiting for a free slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  push(item: Item): void {
    if (this.#running < this.#concurrency) this.#run(item);
    else this.#queue.push(item);
  }

  #run(item: Item): void {
    this.#running++;
    this.#handle(item).then(this.#next, this.#next);
  }

  readonly #next = (): void => {
    this.#running--;
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++]!;
      // Compact now and then so a long backlog does not keep its consumed prefix alive.
      if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#run(item);
    }
  };
}
