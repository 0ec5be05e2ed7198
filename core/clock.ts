/**
 * Time for everything that waits: the group (heartbeat ticks, deliveries on the simulated
 * network), the component host, the peer and the standard components. All timers go through a
 * Clock, so that tests and the group simulation drive time with a ManualClock and stay fast and
 * deterministic; a deployment uses the SystemClock.
 */

/** A scheduled call. `cancel()` stops it if it has not run yet; later calls do nothing. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as the runtime and the group see it. `now()` is the wall clock in ms (timestamps on the
 * wire, timeliness, event times); timers are relative delays and fire in order of their due time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds (a negative delay counts as 0) unless cancelled. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: `Date.now()` and the process's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A timer of the ManualClock, which is also its handle: cancelling drops the callback. */
class ManualTimer implements TimerHandle {
  constructor(
    readonly at: number,
    readonly order: number,
    public fn: (() => void) | null,
  ) {}

  cancel(): void {
    this.fn = null;
  }
}

/** The bound of one `advance`: a runaway timer loop stops after this many timers. */
const MAX_ADVANCE_TIMERS = 100_000;

/**
 * A clock whose time moves only when told to. Timers run in order of due time, ties in the
 * order they were set (a binary heap; cancelled timers stay in it until their turn comes).
 *
 * Two ways to move time, for two kinds of caller:
 *
 * - `runFor(ms)` and `runUntil(time)` are **synchronous**: they call every timer that falls due
 *   one after the other, without letting promise callbacks run in between, and return how many
 *   timers they took from the queue. The group simulation (up to 1,000 peers, all driven by
 *   plain callbacks) steps time this way; callers that need promise chains to progress settle
 *   between steps themselves.
 * - `advance(ms)` is **asynchronous** and must be awaited: it settles pending promise chains
 *   before the first timer, between timers and at the end, so the async lifecycle a timer starts
 *   (a component's hooks, the host's transitions) runs before the next timer fires. Runtime
 *   tests step time this way.
 */
export class ManualClock implements Clock {
  private time: number;
  private order = 0;
  private readonly heap: ManualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = new ManualTimer(this.time + Math.max(0, ms), this.order++, fn);
    this.push(t);
    return t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** The number of timers not yet fired or cancelled. */
  get pending(): number {
    let n = 0;
    for (const t of this.heap) if (t.fn) n++;
    return n;
  }

  /**
   * Synchronous: moves time forward by `ms`, calling every timer that falls due on the way, and
   * returns the number of timers taken from the queue (cancelled ones included). Throws after
   * `maxTimers` of them (a runaway timer loop).
   */
  runFor(ms: number, maxTimers = 100_000_000): number {
    return this.runUntil(this.time + ms, maxTimers);
  }

  /** Synchronous: as `runFor`, up to the absolute time `target` (time never moves back). */
  runUntil(target: number, maxTimers = 100_000_000): number {
    const h = this.heap;
    let ran = 0;
    while (h.length > 0 && h[0]!.at <= target) {
      if (ran++ >= maxTimers) throw new Error(`manual clock: more than ${maxTimers} timers before ${target}`);
      const t = this.pop();
      this.time = Math.max(this.time, t.at);
      const fn = t.fn;
      if (fn) {
        t.fn = null;
        fn();
      }
    }
    this.time = Math.max(this.time, target);
    return ran;
  }

  /**
   * Asynchronous (await it): moves time forward by `ms`, calling the timers that fall due one at
   * a time in order and letting the promise chains they start run before the next one. Stops
   * firing after 100,000 timers (a runaway loop) and still ends at `now + ms`.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    const h = this.heap;
    for (let fired = 0; fired < MAX_ADVANCE_TIMERS; ) {
      // Cancelled timers at the top are dropped; the next live one due by `target` fires.
      while (h.length > 0 && h[0]!.fn === null) this.pop();
      if (h.length === 0 || h[0]!.at > target) break;
      const t = this.pop();
      this.time = Math.max(this.time, t.at);
      const fn = t.fn!;
      t.fn = null;
      fired++;
      fn();
      await settle();
      await settle();
    }
    this.time = target;
    await settle();
  }

  private less(a: ManualTimer, b: ManualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(t: ManualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): ManualTimer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * A clock that reads `offset` ms away from another: injected clock skew (the group simulation
 * gives one to every member). Timers are the other clock's, unaffected by the offset.
 */
export class SkewedClock implements Clock {
  offset = 0;
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.base.now() + this.offset;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms);
  }
  sleep(ms: number): Promise<void> {
    return this.base.sleep(ms);
  }
}
