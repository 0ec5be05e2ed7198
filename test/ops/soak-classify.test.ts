/**
 * The soak benchmark's classifier of removals (bench/soak.ts, test/support/soak.ts): which `disconnected`/`left` events
 * are expected (a peer we stopped, an old incarnation), which are false suspicions, and its options.
 */
import test from 'ava';
import { classifyRemovals, parseSoakArgs, type Ev, type PeerLives } from '../support/soak.js';

const GRACE = 4000;
const peers = new Map<string, PeerLives>([
  ['a', { lives: [{ start: 0 }] }],
  ['b', { lives: [{ start: 0 }] }],
  // c: stopped at 10 s, started again at 20 s, stopped again at 40 s for good.
  ['c', { lives: [{ start: 0, stop: 10_000 }, { start: 20_000, stop: 40_000 }] }],
]);
const ev = (time: number, peer: string, event: string, subject: string, reason?: string): Ev => ({ time, peer, event, subject, ...(reason ? { reason } : {}) });
const kinds = (events: Ev[], freezes: { name: string; from: number; to: number }[] = []) => classifyRemovals(events, peers, freezes, GRACE).map((r) => r.kind);

test('a removal of a peer that runs is a false suspicion; of a peer we stopped, expected', (t) => {
  t.deepEqual(kinds([ev(5_000, 'a', 'disconnected', 'b', 'timeout'), ev(5_000, 'a', 'left', 'b')]), ['false', 'false']);
  t.deepEqual(kinds([ev(10_900, 'a', 'disconnected', 'c', 'timeout'), ev(10_900, 'a', 'left', 'c'), ev(19_000, 'b', 'left', 'c')]), ['expected', 'expected', 'expected']);
  // Before the stop: not explained by it.
  t.deepEqual(kinds([ev(9_000, 'a', 'disconnected', 'c', 'timeout')]), ['false']);
  // The new incarnation, long after its start: false; the last life's stop covers later events.
  t.deepEqual(kinds([ev(30_000, 'a', 'disconnected', 'c', 'timeout'), ev(45_000, 'a', 'left', 'c')]), ['false', 'expected']);
  // Events are ignored (expected) when the observer itself was stopping.
  t.deepEqual(kinds([ev(40_500, 'c', 'disconnected', 'a', 'link failure: closed by peer')]), ['expected']);
  // Other events are not removals.
  t.deepEqual(kinds([ev(5_000, 'a', 'unstable', 'a'), ev(5_000, 'a', 'joined', 'b')]), []);
});

test('a restart: the old incarnation evicted as restarted, and the left after it, are expected', (t) => {
  const restartQuick = new Map<string, PeerLives>([...peers, ['d', { lives: [{ start: 0, stop: 10_000 }, { start: 10_500 }] }]]);
  const r = classifyRemovals([ev(12_000, 'a', 'disconnected', 'd', 'restarted'), ev(12_050, 'a', 'left', 'd'), ev(30_000, 'a', 'left', 'd')], restartQuick, [], GRACE);
  t.deepEqual(r.map((x) => x.kind), ['expected', 'expected', 'false']);
});

test('a frozen peer: its removals are true suspicions of the freeze, otherwise false', (t) => {
  const events = [ev(61_000, 'a', 'disconnected', 'b', 'timeout'), ev(61_000, 'a', 'left', 'b'), ev(62_100, 'b', 'disconnected', 'a', 'timeout')];
  t.deepEqual(kinds(events), ['false', 'false', 'false']);
  t.deepEqual(kinds(events, [{ name: 'b', from: 60_000, to: 62_000 }]), ['freeze', 'freeze', 'freeze']);
  t.deepEqual(kinds([ev(70_000, 'a', 'left', 'b')], [{ name: 'b', from: 60_000, to: 62_000 }]), ['false']);
});

test('options: defaults, the self-check, and clear errors for bad input', (t) => {
  const d = parseSoakArgs([]);
  t.is(d.minutes, 60);
  t.is(d.peers, 10);
  t.is(d.churn, 4);
  t.is(d.profile, 'lan');
  t.is(d.churnSeconds, 5);
  t.is(parseSoakArgs(['--self-check']).minutes, 2);
  t.is(parseSoakArgs(['--self-check', '--minutes', '3']).minutes, 3);
  t.is(parseSoakArgs(['--peers', '5']).churn, 2);
  t.throws(() => parseSoakArgs(['--minutes']), { message: /--minutes needs a number/ });
  t.throws(() => parseSoakArgs(['--peers', 'ten']), { message: /--peers needs an integer from 3 to 60, not "ten"/ });
  t.throws(() => parseSoakArgs(['--peers', '4', '--churn', '3']), { message: /fewer than 2 core peers/ });
  t.throws(() => parseSoakArgs(['--fast']), { message: /unknown option "--fast"/ });
});
