/**
 * At most one refusal per person per pull request per hour: an outsider repeating `/benchmark`
 * must not turn the App into a comment cannon, nor fill the write queue maintainers need.
 */
const HOUR = 3600_000;

export class RefusalLog {
  readonly #last = new Map<string, number>();

  constructor(
    private readonly windowMs = HOUR,
    private readonly limit = 10_000,
  ) {}

  /** True when `login` was refused on `pull` within the window (the caller then stays silent). */
  recentlyRefused(login: string, pull: string, now: number): boolean {
    const at = this.#last.get(`${login.toLowerCase()} ${pull}`);
    return at !== undefined && now - at < this.windowMs;
  }

  /** Record a refusal just sent. */
  refused(login: string, pull: string, now: number): void {
    if (this.#last.size >= this.limit) {
      for (const [key, at] of this.#last) if (now - at >= this.windowMs) this.#last.delete(key);
      // Still full of fresh entries: forget the oldest half rather than grow without bound.
      if (this.#last.size >= this.limit)
        [...this.#last.keys()].slice(0, this.limit / 2).forEach((k) => this.#last.delete(k));
    }
    this.#last.set(`${login.toLowerCase()} ${pull}`, now);
  }
}
