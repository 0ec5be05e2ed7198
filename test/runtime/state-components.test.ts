/**
 * The state space as components see it: StateAccess (in-process and over the heartbeat group
 * on a memory network) and the components StatePublisher, StateObserver and ForEach, compared
 * as traces. The same scenarios run on both implementations and must give the same traces.
 */
import test from 'ava';
import { Prim, type RuntimeEvent } from '../../runtime/index.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { Simulation } from '../../runtime/group/simulation.js';
import { GroupStateAccess, LocalStateAccess, StateAccessError, type StateAccess } from '../../runtime/state/state-access.js';
import { valueText } from '../../stdlib/echo.js';
import { c, harness, lazy, lines, plan, type Harness } from '../support/runtime.js';

const profile = getProfile('local-test');
const bounds = boundsOf(profile);

/** Writes `message` when it starts and again whenever `provider` changes; keeps running. */
class Show extends Prim {
  private stop?: () => void;
  protected override async start(): Promise<void> {
    this.output(valueText(this.sfResolve('message')));
    this.stop = this.watchAttributes((name) => {
      if (name === 'provider') this.output(`${valueText(this.sfResolve('message'))} (changed)`);
    });
  }
  protected override async terminate(): Promise<void> {
    this.stop?.();
  }
}

// --- the two worlds ------------------------------------------------------------------

interface World {
  /** StateAccess of the host under test, and of two other publishers. */
  here: StateAccess;
  other: StateAccess;
  third: StateAccess;
  /** Moves time forward (both the group's and the host's clock) by `ms`. */
  pass(ms: number): Promise<void>;
  /** The third publisher's peer crashes (group) or withdraws everything it published (local). */
  loseThird(): Promise<void>;
  close(): Promise<void>;
}

function localWorld(h?: Harness): World {
  const now = () => h?.clock.now() ?? Date.now();
  const here = new LocalStateAccess({ now });
  const published: { withdraw(): void }[] = [];
  const third: StateAccess = {
    publish: (n, v) => {
      const p = here.publish(n, v);
      published.push(p);
      return p;
    },
    observe: (n, handlers) => here.observe(n, handlers),
  };
  return {
    here,
    other: here,
    third,
    pass: async (ms) => {
      if (h) await h.clock.advance(ms);
      else await new Promise((r) => setImmediate(r));
    },
    loseThird: async () => {
      for (const p of published) p.withdraw();
    },
    close: async () => undefined,
  };
}

async function groupWorld(h?: Harness): Promise<World> {
  const sim = new Simulation({ profile, seed: 5 });
  for (const id of [1, 2, 3]) sim.addPeer(id);
  if (sim.until(() => sim.stableWith([1, 2, 3]), bounds.join + profile.interval + 20) < 0) throw new Error('the group did not become stable');
  sim.advance(profile.reregisterDelay + 20);
  const access = (id: number) => new GroupStateAccess(sim.peers.get(id)!.member.stateSpace);
  const pass = async (ms: number) => {
    // Both clocks move in lockstep, 10 ms at a time, letting the components' promises run.
    for (let done = 0; done < ms; done += 10) {
      sim.advance(10, 10);
      if (h) await h.clock.advance(10);
      else await new Promise((r) => setImmediate(r));
    }
  };
  return {
    here: access(1),
    other: access(2),
    third: access(3),
    pass,
    loseThird: async () => {
      sim.crash(3);
      await pass(bounds.detection + 40);
    },
    close: () => sim.close(),
  };
}

/** Time enough for a change to reach every observer in either world (discovery: J + 3T). */
const SETTLE = bounds.discovery + 40;

// --- StateAccess ---------------------------------------------------------------------

async function accessScenario(w: World): Promise<string[]> {
  const trace: string[] = [];
  const text = (v: unknown) => JSON.stringify(v);
  const early = w.here.observe('svc', {
    added: (p) => trace.push(`added ${text(p.value)}`),
    changed: (p) => trace.push(`changed ${text(p.value)}`),
    removed: (p) => trace.push(`removed ${text(p.value)}`),
  });
  const a = w.other.publish('svc', { n: 'a', port: 1 });
  trace.push('published a');
  await w.pass(SETTLE);
  a.update({ n: 'a', port: 2 });
  await w.pass(SETTLE);
  const b = w.third.publish('svc', { n: 'b' });
  await w.pass(SETTLE);
  trace.push(`providers ${early.providers().map((p) => text(p.value)).join(' ')}`);
  // A late observer sees the providers already there as `added`.
  const late: string[] = [];
  const lateObs = w.here.observe('svc', { added: (p) => late.push(text(p.value)) });
  await w.pass(SETTLE);
  trace.push(`late ${late.sort().join(' ')}`);
  lateObs.close();
  a.withdraw();
  a.withdraw();
  await w.pass(SETTLE);
  t_throws(() => a.update({}), 'SF4604', trace);
  early.close();
  b.update({ n: 'b', after: 'close' });
  await w.pass(SETTLE);
  trace.push(`ids stable ${b.id === b.id && b.id.length > 0}`);
  return trace;
}

function t_throws(fn: () => void, code: string, trace: string[]): void {
  try {
    fn();
    trace.push('no error');
  } catch (e) {
    trace.push(e instanceof StateAccessError && e.code === code ? `error ${code}` : `wrong error ${String(e)}`);
  }
}

const ACCESS_TRACE = [
  'published a',
  'added {"n":"a","port":1}',
  'changed {"n":"a","port":2}',
  'added {"n":"b"}',
  'providers {"n":"a","port":2} {"n":"b"}',
  'late {"n":"a","port":2} {"n":"b"}',
  'removed null',
  'error SF4604',
  'ids stable true',
];

test('LocalStateAccess: added, changed, removed, late observers, close', async (t) => {
  const w = localWorld();
  t.deepEqual(await accessScenario(w), ACCESS_TRACE);
});

test('GroupStateAccess over three group members gives the same trace', async (t) => {
  const w = await groupWorld();
  try {
    t.deepEqual(await accessScenario(w), ACCESS_TRACE);
  } finally {
    await w.close();
  }
});

test('upcalls never run inside publish or observe', async (t) => {
  const s = new LocalStateAccess();
  const seen: string[] = [];
  s.publish('x', 1);
  s.observe('x', { added: (p) => seen.push(`added ${String(p.value)}`) });
  seen.push('after observe');
  await new Promise((r) => setImmediate(r));
  t.deepEqual(seen, ['after observe', 'added 1']);
});

test('bad names and values are refused with their codes, and nothing is published', async (t) => {
  for (const s of [new LocalStateAccess(), await groupWorld().then((w) => (void w.close(), w.here))]) {
    t.is(t.throws(() => s.publish('', 1), { instanceOf: StateAccessError }).code, 'SF4602');
    t.is(t.throws(() => s.observe('x'.repeat(1025), {}), { instanceOf: StateAccessError }).code, 'SF4602');
    const e = t.throws(() => s.publish('big', 'x'.repeat(70_000)), { instanceOf: StateAccessError });
    t.is(e.code, 'SF4603');
    t.regex(e.message, /more than the limit of 65536/);
    t.is(t.throws(() => s.publish('fn', { f: () => 1 } as unknown), { instanceOf: StateAccessError }).code, 'SF4603');
    const ok = s.publish('fine', 1);
    t.is(t.throws(() => ok.update('y'.repeat(70_000)), { instanceOf: StateAccessError }).code, 'SF4603');
  }
});

// --- the components ------------------------------------------------------------------

function componentHarness(): Harness {
  const h = harness();
  h.host.registry.register('Show', Show);
  return h;
}

/** The events of interest, without times: lifecycle of the copies, output, observer events. */
function componentTrace(events: RuntimeEvent[]): string[] {
  return events
    .filter((e) => e.subject.includes(':each_') || e.event === 'output' || e.event.startsWith('provider-'))
    .filter((e) => e.event !== 'deployed' && e.event !== 'starting')
    .map((e) => {
      if (e.event === 'output') return `output ${e.subject} ${e.text}`;
      if (e.event.startsWith('provider-')) return `${e.event} ${e.subject} ${e.event === 'provider-removed' ? '' : JSON.stringify(e.value)}`.trim();
      return `${e.event} ${e.subject}${e.record ? ` ${e.record.type} ${JSON.stringify(e.record.reason.replace(/`[^`]*\/[^`]*`/, '`ID`'))}` : ''}`;
    });
}

const FOR_EACH_PLAN = () =>
  plan(
    c('Compound', {}, {
      watch: c('StateObserver', { stateName: 'backend' }),
      each: c('ForEach', { stateName: 'backend' }, {
        template: c('Show', { message: lazy('provider:name') }),
      }),
    }),
  );

async function forEachScenario(w: World, h: Harness): Promise<string[]> {
  const r = await h.host.deploy(FOR_EACH_PLAN());
  t_ok(r.diagnostics.length === 0);
  await w.pass(20);
  const a = w.other.publish('backend', { name: 'alpha' });
  await w.pass(SETTLE);
  w.third.publish('backend', { name: 'beta' });
  await w.pass(SETTLE);
  a.update({ name: 'alpha2' });
  await w.pass(SETTLE);
  const watch = h.host.find('sfConfig:watch')!;
  const names = (watch.sfResolve('providers') as unknown as RuntimeValueLike[]).map((d) => valueText(d.get('name') as string));
  const snapshot = `providers ${names.sort().join(' ')} count ${String(watch.sfResolve('count'))}`;
  await w.loseThird();
  await w.pass(SETTLE);
  a.withdraw();
  await w.pass(SETTLE);
  const each = h.host.find('sfConfig:each')!;
  const after = `children ${each.children.length} count ${String(watch.sfResolve('count'))}`;
  await h.host.terminateAll();
  return [...componentTrace(h.recorder.events), snapshot, after];
}

interface RuntimeValueLike {
  get(name: string): unknown;
}

function t_ok(cond: boolean): void {
  if (!cond) throw new Error('deployment failed');
}

const FOR_EACH_TRACE = [
  'provider-added sfConfig:watch {"name":"alpha"}',
  'deploying sfConfig:each:each_1',
  'output sfConfig:each:each_1 alpha',
  'running sfConfig:each:each_1',
  'provider-added sfConfig:watch {"name":"beta"}',
  'deploying sfConfig:each:each_2',
  'output sfConfig:each:each_2 beta',
  'running sfConfig:each:each_2',
  'provider-changed sfConfig:watch {"name":"alpha2"}',
  'output sfConfig:each:each_1 alpha2 (changed)',
  'provider-removed sfConfig:watch',
  'terminating sfConfig:each:each_2 normal "provider `ID` of `backend` has gone"',
  'terminated sfConfig:each:each_2 normal "provider `ID` of `backend` has gone"',
  'provider-removed sfConfig:watch',
  'terminating sfConfig:each:each_1 normal "provider `ID` of `backend` has gone"',
  'terminated sfConfig:each:each_1 normal "provider `ID` of `backend` has gone"',
  'providers alpha2 beta count 2',
  'children 0 count 0',
];

test('ForEach deploys a copy per provider and terminates it when the provider goes (in-process)', async (t) => {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  t.deepEqual(await forEachScenario(w, h), FOR_EACH_TRACE);
});

test('ForEach over the group: providers on two other peers, one of which crashes; the same trace', async (t) => {
  const h = componentHarness();
  const w = await groupWorld(h);
  h.host.state = w.here;
  try {
    t.deepEqual(await forEachScenario(w, h), FOR_EACH_TRACE);
  } finally {
    await w.close();
  }
});

test('StatePublisher publishes its attributes, again when they change, and withdraws when it terminates', async (t) => {
  for (const make of [async (h: Harness) => localWorld(h), (h: Harness) => groupWorld(h)]) {
    const h = componentHarness();
    const w = await make(h);
    h.host.state = w.here;
    const seen: string[] = [];
    w.other.observe('web', {
      added: (p) => seen.push(`added ${JSON.stringify(p.value)}`),
      changed: (p) => seen.push(`changed ${JSON.stringify(p.value)}`),
      removed: () => seen.push('removed'),
    });
    const r = await h.host.deploy(
      plan(
        c('Compound', { port: 8080 }, {
          pub: c('StatePublisher', { stateName: 'web', url: 'http://127.0.0.1', port: lazy('PARENT:port'), weight: { $long: '5' }, interval: 100 }),
        }),
      ),
    );
    t.deepEqual(r.diagnostics, []);
    await w.pass(SETTLE);
    const pub = h.host.find('sfConfig:pub')!;
    pub.sfReplaceAttribute('url', 'http://127.0.0.2');
    pub.sfReplaceAttribute('weight', 7);
    await w.pass(SETTLE);
    // A LAZY value that changes elsewhere is seen by polling; an unchanged one is not sent again.
    h.host.find('sfConfig')!.sfReplaceAttribute('port', 8081);
    await w.pass(SETTLE);
    await w.pass(SETTLE);
    await h.host.terminateAll();
    await w.pass(SETTLE);
    t.deepEqual(seen, [
      'added {"url":"http://127.0.0.1","port":8080,"weight":5}',
      'changed {"url":"http://127.0.0.2","port":8080,"weight":7}',
      'changed {"url":"http://127.0.0.2","port":8081,"weight":7}',
      'removed',
    ]);
    await w.close();
  }
});

test('StatePublisher publishes chosen attributes of a referenced component and withdraws when it terminates', async (t) => {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  const seen: string[] = [];
  w.here.observe('svc', { added: (p) => seen.push(`added ${JSON.stringify(p.value)}`), removed: () => seen.push('removed') });
  await h.host.deploy(
    plan(
      c('Compound', {}, {
        server: c('Probe', { finishAfter: 500, host: 'h1', secret: 'x' }),
        pub: c('StatePublisher', { stateName: 'svc', source: lazy('PARENT:server'), attributes: ['host'], interval: 0 }),
      }),
    ),
  );
  await h.clock.advance(100);
  t.deepEqual(seen, ['added {"host":"h1"}']);
  await h.clock.advance(500);
  t.deepEqual(seen, ['added {"host":"h1"}', 'removed']);
});

test('StateObserver with a minimum reaches running only when enough providers are there, and fails after its timeout otherwise', async (t) => {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  // Deployment returns once the root is running, so it is awaited only after the providers come.
  const deploying = h.host.deploy(plan(c('StateObserver', { stateName: 'db', minimum: 2, timeout: 1000 })), { name: 'waits' });
  w.here.publish('db', 1);
  await h.clock.advance(100);
  const root = h.host.application('waits')!;
  t.is(root.state, 'starting');
  w.here.publish('db', 2);
  await h.clock.advance(100);
  t.is((await deploying).root, root);
  t.is(root.state, 'running');
  t.deepEqual(root.sfResolve('providers'), [1, 2]);

  const deploying2 = h.host.deploy(plan(c('StateObserver', { stateName: 'none', minimum: 1, timeout: 1000 })), { name: 'times-out' });
  await h.clock.advance(1100);
  const record = await (await deploying2).terminated;
  t.is(record.type, 'abnormal');
  t.is(record.cause?.code, 'SF4605');
  t.regex(record.reason, /Only 0 of the 1 providers of `none`/);
});

test('without a state space the components fail with SF4601', async (t) => {
  const h = componentHarness();
  for (const type of ['StatePublisher', 'StateObserver', 'ForEach']) {
    const r = await h.host.deploy(plan(c(type, { stateName: 's' }, type === 'ForEach' ? { template: c('Show', { message: 'x' }) } : {})));
    const record = await r.terminated;
    t.is(record.cause?.code, 'SF4601', type);
    t.regex(record.reason, /needs the state space, but its host has none/);
  }
});

test('bad attributes: an empty stateName (SF4602), a missing template (SF4005), an unknown restart policy (SF4004)', async (t) => {
  const h = componentHarness();
  h.host.state = new LocalStateAccess();
  const cases: [ReturnType<typeof c>, string][] = [
    [c('StatePublisher', { stateName: '' }), 'SF4602'],
    [c('ForEach', { stateName: 's' }), 'SF4005'],
    [c('ForEach', { stateName: 's', restart: 'sometimes' }, { template: c('Show', { message: 'x' }) }), 'SF4004'],
  ];
  for (const [spec, code] of cases) {
    const record = await (await h.host.deploy(plan(spec))).terminated;
    t.is(record.cause?.code, code);
  }
});

async function restartScenario(restart: string): Promise<{ trace: string; record?: string; children: number }> {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  const r = await h.host.deploy(
    plan(c('ForEach', { stateName: 'job', restart, maxRestarts: 2, restartDelay: 100 }, { template: c('Probe', { finishAfter: 50, finishType: 'abnormal' }) })),
  );
  w.here.publish('job', 'one');
  await h.clock.advance(1000);
  const each = r.root!;
  const trace = h.recorder.events.filter((e) => e.subject.startsWith('sfConfig:each_') && (e.event === 'running' || e.event === 'failed')).map((e) => `${e.event} ${e.subject}`).join('\n');
  const ended = each.isTerminating ? await r.terminated : undefined;
  await h.host.terminateAll();
  return { trace, record: ended && `${ended.type} ${ended.reason}`, children: each.children.length };
}

test('ForEach restart policies: never fails, ignore goes on, on-failure restarts up to maxRestarts', async (t) => {
  const never = await restartScenario('never');
  t.is(never.trace, lines('running sfConfig:each_1', 'failed sfConfig:each_1'));
  t.is(never.record, 'abnormal each_1 finished');
  const ignore = await restartScenario('ignore');
  t.is(ignore.trace, lines('running sfConfig:each_1', 'failed sfConfig:each_1'));
  t.is(ignore.record, undefined);
  const onFailure = await restartScenario('on-failure');
  t.is(onFailure.trace, lines(...Array.from({ length: 3 }, () => ['running sfConfig:each_1', 'failed sfConfig:each_1']).flat()));
  t.is(onFailure.record, 'abnormal each_1 finished (after 2 restarts)');
});

test('a provider that goes while its copy is being deployed leaves no copy behind', async (t) => {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  const r = await h.host.deploy(plan(c('ForEach', { stateName: 'quick' }, { template: c('Show', { message: LAZY_PROVIDER }) })));
  const p = w.here.publish('quick', 'x');
  // Withdrawn before the deployment the `added` upcall starts has finished.
  await Promise.resolve();
  await Promise.resolve();
  p.withdraw();
  await h.clock.advance(100);
  t.is(r.root!.children.length, 0);
});

const LAZY_PROVIDER = lazy('provider');

test('a ForEach rebuilt by recovery replaces its recorded copies with fresh ones for the providers visible now', async (t) => {
  const h = componentHarness();
  const w = localWorld(h);
  h.host.state = w.here;
  const p = plan(c('ForEach', { stateName: 'svc', deployed: 1 }, { template: c('Show', { message: LAZY_PROVIDER }) }));
  const copy = { ...p.root.children[0]!, name: 'each_1', path: 'sfConfig:each_1', attributes: [...p.root.children[0]!.attributes, ['provider', 'gone'] as [string, string]] };
  w.here.publish('svc', 'present');
  const root = await h.host.rebuild({ node: p.root, name: 'sfConfig', children: [{ node: copy, name: 'each_1', children: [] }] }, null, '', 'app');
  await h.host.runApplication(root, 'app');
  await h.clock.advance(100);
  t.deepEqual(root.children.map((c) => c.name), ['each_2']);
  t.deepEqual(
    h.recorder.events.filter((e) => e.event === 'output' || e.event === 'terminated').map((e) => `${e.event} ${e.subject} ${e.text ?? e.record?.reason}`),
    // The recorded copy is terminated before it starts again (children start after the ForEach's start hook).
    ['terminated sfConfig:each_1 replaced after recovery', 'output sfConfig:each_2 present'],
  );
  await h.host.terminateAll();
});
