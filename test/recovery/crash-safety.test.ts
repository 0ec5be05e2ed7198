/**
 * Crash safety for real (docs/design/recovery.md §6.4): a peer process deploys, mutates and
 * terminates components in a loop and is killed with SIGKILL at random moments; after each
 * kill a restarted peer's recovered trees hold every acknowledged change and nothing that was
 * never requested, every recovered component runs again, and the store opens cleanly.
 */
import test from 'ava';
import { Oracle, type Tree } from '../support/recovery-oracle.js';
import { removeDir, tempDir, workloadPeer } from '../support/recovery.js';

const KILLS = 20;

test('kill -9 at random moments never loses an acknowledged change', async (t) => {
  t.timeout(180_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const oracle = new Oracle();
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let recoveredComponents = 0;
  const started = Date.now();
  for (let kill = 0; kill <= KILLS && Date.now() - started < 150_000; kill++) {
    const peer = workloadPeer(dir, 'workload', String(kill + 1), '4');
    const recovered = await peer.waitFor<{ lastShutdown: string; apps: Tree; running: boolean; components: number }>((l) => l.kind === 'recovered', 60_000);
    t.is(recovered.lastShutdown, kill === 0 ? 'none' : 'crash');
    t.true(recovered.running, 'every recovered component runs again');
    const problems = oracle.check(recovered.apps);
    t.deepEqual(problems, [], `after kill ${kill}`);
    recoveredComponents += recovered.components;
    oracle.reset(recovered.apps);
    if (kill === KILLS) {
      await peer.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100 + Math.floor(rand() * 900)));
    await peer.kill('SIGKILL');
    const errors = peer.lines.filter((l) => (l as { kind?: string }).kind === 'error');
    t.deepEqual(errors, [], 'no checkpoint failed');
    const start = peer.lines.findIndex((l) => (l as { kind?: string }).kind === 'recovered');
    for (const line of peer.lines.slice(start + 1)) if (typeof line === 'object' && line) oracle.apply(line as Record<string, unknown>);
  }
  t.true(oracle.acknowledged > 100, `the workload made progress (${oracle.acknowledged} acknowledged changes)`);
  t.true(recoveredComponents > 0, 'components were recovered');
  t.log(`${oracle.acknowledged} acknowledged changes, ${recoveredComponents} components recovered over ${KILLS} kills`);
});

test('a clean SIGTERM stop is told apart from a crash', async (t) => {
  t.timeout(60_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const first = workloadPeer(dir, 'workload', '7', '2');
  await first.waitFor((l) => l.kind === 'recovered');
  await first.waitFor((l) => l.kind === 'ack' && l.op === 'deploy');
  t.is(await first.kill('SIGTERM'), 0);
  const second = workloadPeer(dir, 'idle');
  const r = await second.waitFor<{ lastShutdown: string; shutdownReason: string; components: number }>((l) => l.kind === 'recovered');
  t.is(r.lastShutdown, 'clean');
  t.is(r.shutdownReason, 'SIGTERM');
  t.true(r.components > 0, 'a planned stop keeps what was running');
  await second.kill('SIGKILL');
  const third = workloadPeer(dir, 'idle');
  const r3 = await third.waitFor<{ lastShutdown: string }>((l) => l.kind === 'recovered');
  t.is(r3.lastShutdown, 'crash');
  await third.kill('SIGKILL');
});
