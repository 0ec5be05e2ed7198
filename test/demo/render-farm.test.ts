/**
 * The dependability demonstrator, short form (examples/render-farm/, test/support/render-farm.ts):
 * six real `frog peer` processes, two rendering services, one failure of each kind (a worker
 * that throws, a worker that hangs, kill -9 of a node's peer, SIGSTOP of a peer, a peer restarted
 * with its store, kill -9 of the arbitrator's peer and of a manager's peer) and extra crashes on
 * one node so that it is excluded. Checks safety and liveness from the event logs and the
 * rendered files; the table is logged. Durations come from the logs, never from assumed timings.
 */
import test from 'ava';
import { FAILURE_KINDS, formatTable, runFarm, type Farm } from '../support/render-farm.js';

test.serial('render farm: every failure detected and repaired, every frame rendered once with its hash, safety held', async (t) => {
  t.timeout(300_000);
  let farm: Farm | undefined;
  t.teardown(async () => {
    await farm?.stopAll();
    farm?.cleanup();
  });
  const report = await runFarm({
    peers: 6,
    services: 2,
    perKind: 1,
    flakyCrashes: 3,
    seed: 7,
    frames: 240,
    frameMs: 1000,
    gapMs: 5000,
    limitMs: 200_000,
    groupPort: 46410,
    keep: process.env.FROG_FARM_KEEP === '1', // keep the logs and the rendered files for a look
    onFarm: (f) => (farm = f),
    log: (line) => t.log(line),
  });
  t.log(`\n${formatTable(report)}`);
  t.deepEqual(report.safety, [], 'safety');
  t.deepEqual(report.liveness, [], 'liveness');
  t.false(report.cutShort, 'the job ended within the time limit');
  for (const kind of FAILURE_KINDS) t.true(report.injections.some((i) => i.kind === kind), `${kind} injected`);
  for (const i of report.injections) {
    t.truthy(i.detectedAt, `${i.kind} of ${i.target} detected`);
    t.truthy(i.repairedAt, `${i.kind} of ${i.target} repaired`);
  }
  t.is(report.framesAccepted, 2 * 240);
  t.true(report.excluded.length >= 1, 'the node that kept failing is excluded');
});
