/**
 * `GET /metrics` of a real peer: the Prometheus text format, every family the design lists, and
 * counters that move with a deploy (deploys, control requests, components, checkpoint commits
 * and their latency) — each peer with a registry of its own.
 */
import test from 'ava';
import { deployCommand } from '../../cli/commands/deploy/action.js';
import { memoryIo } from '../../cli/io.js';
import { PeerMetrics } from '../../runtime/http/metrics.js';
import { get, hello, livePeer } from './live-peer.js';

/** The samples of a text exposition: `name{labels}` → value; throws on a line that is not the format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

test('metrics parse as the Prometheus text format and move after a deploy', async (t) => {
  const p = await livePeer('metrics-a', 46301, { http: { listen: '127.0.0.1:0' }, data: true });
  t.teardown(() => p.close('test over'));
  const before = await get(p.http!, '/metrics');
  t.is(before.status, 200);
  t.regex(before.type, /^text\/plain; version=0\.0\.4/);
  const s0 = samples(before.body);
  for (const family of [
    'frog_heartbeats_sent_total',
    'frog_heartbeats_received_total',
    'frog_datagrams_dropped_total',
    'frog_view_changes_total',
    'frog_members',
    'frog_components',
    'frog_deploys_total',
    'frog_root_failures_total',
    'frog_checkpoint_commits_total',
    'frog_checkpoint_commit_seconds',
    'frog_recovery_duration_seconds',
    'frog_control_requests_total',
  ]) {
    t.true(before.body.includes(`# TYPE ${family} `), family);
  }
  t.is(s0.get('frog_members{state="self"}'), 1);
  t.is(s0.get('frog_datagrams_dropped_total{reason="auth"}'), 0);
  t.is(s0.get('frog_recovery_duration_seconds_count'), 1, 'a peer with a store recovers once at start');
  t.is(s0.get('frog_deploys_total{outcome="running"}'), undefined);

  const io = memoryIo(p.dir);
  t.is(await deployCommand({ file: hello, peer: p.control, keyFile: p.keyFile, includePath: [], wait: 30 }, io), 0, io.err.join(''));
  const s1 = samples((await get(p.http!, '/metrics')).body);
  t.is(s1.get('frog_deploys_total{outcome="running"}'), 1);
  t.is(s1.get('frog_control_requests_total{operation="deploy",outcome="ok"}'), 1);
  t.true((s1.get('frog_checkpoint_commits_total{outcome="ok"}') ?? 0) > 0, 'the deploy was checkpointed');
  t.true((s1.get('frog_checkpoint_commit_seconds_count') ?? 0) > 0);
  t.true((s1.get('frog_heartbeats_sent_total') ?? 0) >= (s0.get('frog_heartbeats_sent_total') ?? 0));
  t.true((s1.get('frog_http_requests_total{endpoint="/metrics",status="200"}') ?? 0) >= 1);

  // A refused request is counted under its code.
  t.is(await deployCommand({ file: hello, peer: p.control, keyFile: p.keyFile, includePath: [], wait: 0, name: 'bad name!' }, memoryIo(p.dir)), 2);
  const s2 = samples((await get(p.http!, '/metrics')).body);
  t.is(s2.get('frog_deploys_total{outcome="refused"}'), 1);
  t.true([...s2.keys()].some((k) => /^frog_control_requests_total\{operation="deploy",outcome="SF\d{4}"\}$/.test(k)));
});

test('each peer counts in a registry of its own', async (t) => {
  const a = new PeerMetrics();
  const b = new PeerMetrics();
  a.deploy('running');
  a.controlRequest('status', 'ok');
  const sa = samples(await a.text());
  const sb = samples(await b.text());
  t.is(sa.get('frog_deploys_total{outcome="running"}'), 1);
  t.is(sb.get('frog_deploys_total{outcome="running"}'), undefined);
  t.is(sa.get('frog_control_requests_total{operation="status",outcome="ok"}'), 1);
});
