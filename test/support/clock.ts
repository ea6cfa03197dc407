/**
 * The clock a test server runs on. It keeps ticking with the wall clock (so the instants of successive
 * events stay distinct and ordered, and intervals between them are never empty), and a test moves it
 * forward to reach an expiry instead of sleeping until it.
 */
export class TestClock {
  private offsetMs = 0;

  /** The current time as the server sees it. Bound, so it can be handed over as `() => Date`. */
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /** Moves the clock forward (never back: recorded facts would otherwise appear to precede their causes). */
  advance(ms: number): Date {
    if (!(ms >= 0)) throw new Error(`the test clock only moves forward (asked to move ${ms} ms)`);
    this.offsetMs += ms;
    return this.now();
  }

  /** `ms` from now on this clock, as the ISO text request bodies carry. */
  isoIn(ms: number): string {
    return new Date(this.now().getTime() + ms).toISOString();
  }
}
