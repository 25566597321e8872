/**
 * Background work queue: the webhook is answered at once and the API work runs afterwards.
 *
 * GitHub gives up on a webhook after 10 s, and Octokit's throttling spaces writes ≥1 s apart on
 * purpose, so a command's five writes cannot fit inside the HTTP response. Tasks with the same
 * key (one PR) run one after another, in arrival order, so a redelivery is handled after the
 * original has created its check run; different PRs run concurrently.
 */

/** A unit of work; its errors go to `onError` (logged), never lost silently. */
export type Task = () => Promise<void>;

export class TaskQueue {
  readonly #tails = new Map<string, Promise<void>>();
  #running = 0;
  #idleWaiters: Array<() => void> = [];
  #handled = 0;
  #failed = 0;

  constructor(private readonly onError: (error: unknown, key: string) => void) {}

  /** Queue `task` after every earlier task with the same `key`. Returns when it has finished. */
  enqueue(key: string, task: Task): Promise<void> {
    this.#running++;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous
      // Start on a later turn of the event loop, so the webhook's HTTP response is written first.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(task)
      .catch((error: unknown) => {
        this.#failed++;
        this.onError(error, key);
      })
      .finally(() => {
        this.#handled++;
        if (this.#tails.get(key) === next) this.#tails.delete(key);
        this.#running--;
        if (this.#running === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
      });
    this.#tails.set(key, next);
    return next;
  }

  /** Resolves once no task is queued or running (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.#running === 0 ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Counters for the health endpoint and the benchmark. */
  stats(): { running: number; handled: number; failed: number } {
    return { running: this.#running, handled: this.#handled, failed: this.#failed };
  }
}
