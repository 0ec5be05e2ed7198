/**
 * Lifecycle semantics of the workflow combinators, compared as event traces
 * (docs/design/components.md §6). Time is driven by a ManualClock.
 */
import test from 'ava';
import { c, harness, lines, plan } from '../support/runtime.js';

const done = (ms: number, type = 'normal') => c('Probe', { finishAfter: ms, finishType: type });

test('Sequence runs its actions one after another and terminates normally after the last', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence', {}, { a: done(10), b: done(10) })));
  await h.clock.advance(25);
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace(), lines(
    'deploying sfConfig',
    'deployed sfConfig',
    'starting sfConfig',
    'deploying sfConfig:a',
    'deployed sfConfig:a',
    'starting sfConfig:a',
    'running sfConfig:a',
    'running sfConfig',
    'terminating sfConfig:a normal "a finished"',
    'terminated sfConfig:a normal "a finished"',
    'deploying sfConfig:b',
    'deployed sfConfig:b',
    'starting sfConfig:b',
    'running sfConfig:b',
    'terminating sfConfig:b normal "b finished"',
    'terminated sfConfig:b normal "b finished"',
    'terminating sfConfig normal "sequence completed"',
    'terminated sfConfig normal "sequence completed"',
  ));
});

test('Sequence stops at an abnormal termination and forwards the record', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence', {}, { a: done(10, 'abnormal'), b: done(10) })));
  await h.clock.advance(25);
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.path, 'sfConfig:a');
  t.false(h.trace().includes('sfConfig:b'));
  t.true(h.trace().endsWith('failed sfConfig abnormal "a finished" at sfConfig:a'));
});

test('an empty Sequence terminates normally at start', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence')));
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace(), lines(
    'deploying sfConfig', 'deployed sfConfig', 'starting sfConfig',
    'terminating sfConfig normal "sequence completed"', 'terminated sfConfig normal "sequence completed"',
  ));
});

test('a Sequence whose action fails to start terminates abnormally with that record', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence', {}, { a: c('Probe', { failIn: 'start' }), b: done(1) })));
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.path, 'sfConfig:a');
  t.regex(record.reason, /start failed: a refuses to start/);
  t.false(h.trace().includes('sfConfig:b'));
});

test('Parallel runs all actions at once and terminates when the last has', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Parallel', {}, { a: done(30), b: done(10) })));
  await h.clock.advance(20);
  t.is(h.host.find('sfConfig')?.state, 'running');
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace(), lines(
    'deploying sfConfig', 'deployed sfConfig', 'starting sfConfig',
    'deploying sfConfig:a', 'deployed sfConfig:a', 'starting sfConfig:a', 'running sfConfig:a',
    'deploying sfConfig:b', 'deployed sfConfig:b', 'starting sfConfig:b', 'running sfConfig:b',
    'running sfConfig',
    'terminating sfConfig:b normal "b finished"', 'terminated sfConfig:b normal "b finished"',
    'terminating sfConfig:a normal "a finished"', 'terminated sfConfig:a normal "a finished"',
    'terminating sfConfig normal "all parallel actions completed"', 'terminated sfConfig normal "all parallel actions completed"',
  ));
});

test('Parallel with terminateOnAbnormalChildTermination false carries on after a failure', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Parallel', { terminateOnAbnormalChildTermination: false }, { a: done(30), b: done(10, 'abnormal') })));
  await h.clock.advance(20);
  t.is(h.host.find('sfConfig:a')?.state, 'running');
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
});

test('Parallel terminates abnormally when a child fails, terminating the others', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Parallel', {}, { a: done(30), b: done(10, 'abnormal') })));
  await h.clock.advance(15);
  const record = await r.terminated;
  t.is(record.path, 'sfConfig:b');
  t.true(h.trace().includes('failed sfConfig:a abnormal "b finished" at sfConfig:b'));
});

test('an empty Parallel keeps running unless terminateOnEmptyDeploy', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Parallel')));
  t.is(r.root?.state, 'running');
  const h2 = harness();
  const r2 = await h2.host.deploy(plan(c('Parallel', { terminateOnEmptyDeploy: true })));
  t.is((await r2.terminated).type, 'normal');
  await r.root!.sfTerminate();
});

test('Repeat runs a fresh copy of its action `repeat` times', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Repeat', { repeat: 3 }, { action: done(5) })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace().split('\n').filter((l) => l.startsWith('running sfConfig:action')).length, 3);
  t.true(h.trace().endsWith('terminated sfConfig normal "repeated 3 times"'));
});

test('Repeat -1 repeats until stopped; an abnormal run is forwarded', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Repeat', { repeat: -1 }, { action: done(5) })));
  await h.clock.advance(52);
  t.is(r.root?.state, 'running');
  t.is(h.trace().split('\n').filter((l) => l.startsWith('running sfConfig:action')).length, 11);
  await r.root!.sfTerminate();
  const h2 = harness();
  const r2 = await h2.host.deploy(plan(c('Repeat', { repeat: 3 }, { action: done(5, 'abnormal') })));
  await h2.clock.advance(20);
  t.is((await r2.terminated).type, 'abnormal');
  t.is(h2.trace().split('\n').filter((l) => l.startsWith('running sfConfig:action')).length, 1);
});

test('Retry redeploys a failed action up to `retry` times, then forwards the failure', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Retry', { retry: 2 }, { action: done(5, 'abnormal') })));
  await h.clock.advance(30);
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(h.trace().split('\n').filter((l) => l.startsWith('failed sfConfig:action')).length, 3);
  t.is(r.root!.rawAttribute('count'), 3);
});

test('Retry terminates normally when an attempt succeeds', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Retry', { retry: 5 }, { action: done(5) })));
  await h.clock.advance(10);
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace().split('\n').filter((l) => l.startsWith('running sfConfig:action')).length, 1);
});

test('Timeout fails an action that runs too long, and forwards one that ends in time', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Timeout', { time: 100 }, { action: done(500) })));
  await h.clock.advance(150);
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.reason, 'timeout occurred after 100 ms');
  t.true(h.trace().includes('failed sfConfig:action abnormal "timeout occurred after 100 ms" at sfConfig'));
  const h2 = harness();
  const r2 = await h2.host.deploy(plan(c('Timeout', { time: 100 }, { action: done(50) })));
  await h2.clock.advance(150);
  t.is((await r2.terminated).type, 'normal');
});

test('During stops its action normally when the time is up', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('During', { time: 100 }, { action: done(500) })));
  await h.clock.advance(150);
  t.is((await r.terminated).type, 'normal');
});

test('Delay waits, then runs its action under the name `running`', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Delay', { time: 100 }, { action: done(10) })));
  await h.clock.advance(99);
  t.false(h.trace().includes('sfConfig:running'));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.true(h.trace().includes('running sfConfig:running'));
});

test('DoNothing terminates after `time` with `terminationType`', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('DoNothing', { time: 50, terminationType: 'abnormal', message: 'bored' })));
  await h.clock.advance(49);
  t.is(r.root?.state, 'running');
  await h.clock.advance(1);
  const record = await r.terminated;
  t.deepEqual(record, { type: 'abnormal', reason: 'bored', path: 'sfConfig' });
});

test('Try runs the handler named after the termination type', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Try', {}, { action: done(5, 'abnormal'), abnormal: done(5), normal: done(5, 'abnormal') })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.true(h.trace().includes('running sfConfig:abnormal'));
  t.false(h.trace().includes('sfConfig:normal'));
});

test('Try without a matching handler forwards the record', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Try', {}, { action: done(5, 'custom'), abnormal: done(5) })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'custom');
});

test('Try runs a handler named after any termination type, wherever it is written', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Try', {}, { timeout: done(5), action: done(5, 'timeout'), abnormal: done(5, 'abnormal') })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.true(h.trace().includes('running sfConfig:timeout'));
  t.false(h.trace().includes('sfConfig:abnormal'));
});

test('Try takes only `action` as its action: its other descriptions are handlers, never run first', async (t) => {
  const h = harness();
  // `timeout` is a handler for records of type "timeout", not the thing to try.
  const r = await h.host.deploy(plan(c('Try', {}, { timeout: done(5), work: done(5, 'timeout') })));
  await h.clock.advance(20);
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.cause?.code, 'SF4005');
  t.regex(record.reason, /has no `action`/);
  t.false(h.trace().includes('sfConfig:timeout'));
  t.false(h.trace().includes('sfConfig:work'));
});

test('Try forwards the end of its handler, whatever its type', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Try', {}, { action: done(5, 'abnormal'), abnormal: done(5, 'normal-ish'), 'normal-ish': done(5) })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal-ish');
  t.false(h.trace().includes('running sfConfig:normal-ish'));
});

test('Terminator terminates its target with the given type', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, {
    server: c('Probe'),
    steps: c('Sequence', {}, {
      wait: done(10),
      stop: c('Terminator', { kill: { $ref: 'ROOT:server', lazy: true }, type: 'abnormal', description: 'stopped on purpose' }),
      after: c('DoNothing', { time: 1000 }),
    }),
  })));
  await h.clock.advance(20);
  const record = await r.terminated;
  t.deepEqual(record, { type: 'abnormal', reason: 'stopped on purpose', path: 'sfConfig:server' });
});

test('Terminator of its own ancestor stops the whole application', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence', {}, { wait: done(10), stop: c('Terminator', { kill: { $ref: 'PARENT', lazy: true } }), never: done(10) })));
  await h.clock.advance(20);
  t.is((await r.terminated).type, 'normal');
  t.false(h.trace().includes('sfConfig:never'));
});

test('If evaluates its condition and runs `then` or `else`', async (t) => {
  for (const [cond, branch] of [['True', 'then'], ['False', 'else']] as const) {
    const h = harness();
    const r = await h.host.deploy(plan(c('If', {}, { condition: c(cond), then: done(5), else: done(5) })));
    await h.clock.advance(10);
    t.is((await r.terminated).type, 'normal');
    t.true(h.trace().includes(`running sfConfig:${branch}`));
    t.false(h.trace().includes(`running sfConfig:${branch === 'then' ? 'else' : 'then'}`));
    t.true(h.trace().includes('terminated sfConfig:condition'));
  }
});

test('If reads a LAZY condition value from the live tree', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { flag: false }, {
    check: c('If', {}, { condition: c('BooleanValue', { value: { $ref: 'ROOT:flag', lazy: true } }), then: c('DoNothing'), else: c('DoNothing') }),
  })));
  t.truthy(h.host.find('sfConfig:check:else'));
  await r.root!.sfTerminate();
});

test('WaitFor polls until the condition holds, else times out', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { ready: false }, {
    wait: c('WaitFor', { interval: 100, timeout: 1000 }, { condition: c('BooleanValue', { value: { $ref: 'ROOT:ready', lazy: true } }), then: c('DoNothing') }),
  })));
  await h.clock.advance(350);
  t.falsy(h.host.find('sfConfig:wait:then'));
  r.root!.sfReplaceAttribute('ready', true);
  await h.clock.advance(100);
  t.truthy(h.host.find('sfConfig:wait:then'));
  await r.root!.sfTerminate();

  const h2 = harness();
  const r2 = await h2.host.deploy(plan(c('FailingWaitFor', { interval: 100, timeout: 500, failureText: 'never ready' }, { condition: c('False') })));
  await h2.clock.advance(400);
  t.is(r2.root?.state, 'running');
  await h2.clock.advance(200);
  const record = await r2.terminated;
  t.deepEqual([record.type, record.reason], ['abnormal', 'never ready']);
});

test('Run deploys its action as a new application and terminates normally', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Run', { newComponentName: 'spawned' }, { action: c('DoNothing') })));
  t.is((await r.terminated).type, 'normal');
  const app = h.host.application('spawned');
  t.is(app?.state, 'running');
  t.is(app?.parent, null);
  await h.host.terminateAll();
});
