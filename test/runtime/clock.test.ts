/**
 * The one manual clock (core/clock.ts): timers in order of due time, ties in creation order;
 * `runFor`/`runUntil` step synchronously, `advance` lets promise chains run between timers.
 */
import test from 'ava';
import { ManualClock, SkewedClock } from '../../core/clock.js';

test('timers fire in due-time order, ties in creation order; cancelled ones do not fire', (t) => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@20'), 20);
  clock.setTimeout(() => fired.push('a@10'), 10);
  clock.setTimeout(() => fired.push('c@20'), 20);
  const gone = clock.setTimeout(() => fired.push('gone'), 15);
  clock.setTimeout(() => {
    fired.push('d@5');
    clock.setTimeout(() => fired.push('e@5+0'), 0);
  }, 5);
  gone.cancel();
  t.is(clock.pending, 4);
  // Synchronous: six timers taken from the queue (the cancelled one included), five ran.
  t.is(clock.runFor(20), 6);
  t.deepEqual(fired, ['d@5', 'e@5+0', 'a@10', 'b@20', 'c@20']);
  t.is(clock.now(), 20);
  t.is(clock.pending, 0);
  t.is(clock.runUntil(10), 0, 'time never moves back');
  t.is(clock.now(), 20);
});

test('runFor does not let promise chains run between timers; advance does', async (t) => {
  const sync = new ManualClock(0);
  const seen: string[] = [];
  sync.setTimeout(() => void Promise.resolve().then(() => seen.push('chain of 1')), 1);
  sync.setTimeout(() => seen.push('timer 2'), 2);
  sync.runFor(2);
  t.deepEqual(seen, ['timer 2']);
  await Promise.resolve();
  t.deepEqual(seen, ['timer 2', 'chain of 1']);

  const clock = new ManualClock(0);
  const order: string[] = [];
  clock.setTimeout(async () => {
    await Promise.resolve();
    order.push('chain of 1');
    await clock.sleep(5);
    order.push('slept until 6');
  }, 1);
  clock.setTimeout(() => order.push('timer 2'), 2);
  await clock.advance(10);
  t.deepEqual(order, ['chain of 1', 'timer 2', 'slept until 6']);
  t.is(clock.now(), 10);
});

test('a skewed clock reads off by its offset and shares the timers of its base', (t) => {
  const base = new ManualClock(1000);
  const skewed = new SkewedClock(base);
  skewed.offset = -300;
  t.is(skewed.now(), 700);
  let at = 0;
  skewed.setTimeout(() => (at = base.now()), 50);
  base.runFor(100);
  t.is(at, 1050);
});
