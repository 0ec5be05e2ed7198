/**
 * Real processes: three `frog peer` processes on loopback multicast (profile `lan`), an
 * application with parts on each, `kill -9` of one peer (the failure reaches the parent within
 * the detection bound and Retry redeploys), its restart from its data directory (the recovered
 * old copy is fenced: one live copy, the parent's current instance), and the control API's
 * refusal of unsigned, forged and replayed requests. Figures are logged with `t.log`.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '../../cli/io.js';
import { deployCommand } from '../../cli/commands/deploy/action.js';
import { statusCommand, terminateCommand } from '../../cli/commands/status/action.js';
import { ControlError, controlRequest } from '../../runtime/control/control-client.js';
import { signedHeaders } from '../../runtime/control/signing.js';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { scratchDir } from '../support/scratch.js';
import { waitFor } from '../support/wait.js';
import { startPeerProcess, stopPeerProcess, type PeerProcess } from '../support/peer-process.js';

const GROUP = '239.255.42.42:4733';
const bounds = boundsOf(getProfile('lan'));

const startPeer = (name: string, dir: string, keyFile: string): PeerProcess => startPeerProcess(name, dir, keyFile, GROUP);
const stop = (p: PeerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => stopPeerProcess(p, signal);

function rawPost(address: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port: Number(port), path, method: 'POST', headers: { 'content-length': body.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const DESCRIPTION = `#include "/frog/components.sf"
sfConfig extends Compound {
    local extends Compound { }
    keep extends Retry {
        retry 5;
        svc extends Compound { sfProcessHost "B"; sfLivenessDelay 1; port 8080; }
    }
    part extends Compound { sfProcessHost "C"; inner extends Compound { } }
}
`;

interface Subtree { app: string; path: string; instance: string; root: { state: string } }

test('three frog peer processes: placement, kill -9, Retry, restart with fencing, and authenticated control', async (t) => {
  t.timeout(110_000);
  const dir = scratchDir('frog-peers-');
  const keyBytes = randomBytes(32);
  const keyFile = join(dir, 'group.key');
  writeFileSync(keyFile, keyBytes.toString('base64') + '\n', { mode: 0o600 });
  const key = new GroupKey(keyBytes);
  writeFileSync(join(dir, 'app.sf'), DESCRIPTION);
  const peers = new Map<string, PeerProcess>();
  try {
    for (const n of ['A', 'B', 'C']) peers.set(n, startPeer(n, dir, keyFile));
    const stable3 = (p: PeerProcess) => p.events.some((e) => e.event === 'stable' && Array.isArray(e.members) && e.members.length === 3);
    t.true(await waitFor(() => [...peers.values()].every((p) => p.control && stable3(p)), 20_000), 'three peers in one stable group');
    const A = peers.get('A')!;
    const io = memoryIo(dir, {});
    // Each peer must have seen the others' `peer/<name>` (state space discovery) before placing.
    t.true(await waitFor(async () => {
      const m = await controlRequest<{ members: { control?: string }[] }>({ peer: A.control!, key, operation: 'members' }).catch(() => undefined);
      return (m?.members.filter((x) => x.control).length ?? 0) === 3;
    }, bounds.discovery + 5000));
    // Each peer reports what it counted: heartbeats, and datagrams dropped by reason.
    const counted = await controlRequest<{ counters: { heartbeatsAccepted: number; datagramsDropped: Record<string, number>; links: { framesIn: number } } }>({ peer: A.control!, key, operation: 'members' });
    t.true(counted.counters.heartbeatsAccepted > 0);
    t.is(typeof counted.counters.datagramsDropped.auth, 'number');
    t.true(counted.counters.links.framesIn > 0);

    t.is(await deployCommand({ file: 'app.sf', peer: A.control, keyFile, name: 'demo', wait: 60 }, io), 0, io.err.join(''));
    const subtrees = async (via: string) => {
      const s = await controlRequest<{ peers: { peer: string; subtrees?: Subtree[] }[] }>({ peer: via, key, operation: 'status', body: { all: true } });
      return s.peers.flatMap((p) => (p.subtrees ?? []).map((x) => ({ ...x, on: p.peer })));
    };
    const first = await subtrees(A.control!);
    t.deepEqual(first.map((x) => `${x.path}@${x.on}:${x.root.state}`).sort(), ['sfConfig:keep:svc@B:running', 'sfConfig:part@C:running']);
    const statusIo = memoryIo(dir, {});
    t.is(await statusCommand({ peer: peers.get('C')!.control, keyFile }, statusIo), 0);
    t.regex(statusIo.out.join(''), /svc .* running {2}on B \(placed, instance [0-9a-f]+\)/);

    // kill -9 B: the parent's proxy fails, Retry starts a new attempt.
    const B = peers.get('B')!;
    const killedAt = Date.now();
    await stop(B);
    const failed = () => A.events.find((e) => e.event === 'failed' && e.subject === 'sfConfig:keep:svc');
    t.true(await waitFor(() => !!failed(), bounds.detection + 10_000), 'the failure reaches the parent');
    const reaction = Number(failed()!.time) - killedAt;
    t.log(`kill -9 → parent reaction: ${reaction} ms (profile lan: detection bound T+I = ${bounds.detection} ms)`);
    t.true(reaction <= bounds.detection + 2000, `reaction ${reaction} ms within the detection bound plus slack`);
    t.true(await waitFor(() => A.events.some((e) => e.event === 'log' && /retrying \(attempt 2\)/.test(String(e.text))), 5000), 'Retry acts');

    // Restart B from its data directory: it recovers the old copy; the new attempt deploys; one survives.
    const restartedAt = Date.now();
    const B2 = startPeer('B', dir, keyFile);
    peers.set('B', B2);
    const runningAgain = () => A.events.find((e) => e.event === 'running' && e.subject === 'sfConfig:keep:svc' && Number(e.time) >= restartedAt);
    t.true(await waitFor(() => !!runningAgain(), bounds.join + bounds.discovery + 20_000), 'redeployed on the restarted peer');
    const rebound = Number(runningAgain()!.time) - restartedAt;
    t.log(`restart → recovered-and-rebound: ${rebound} ms (new instance running, parent bound to it)`);
    t.true(await waitFor(async () => {
      const s = (await subtrees(A.control!).catch(() => [])).filter((x) => x.path === 'sfConfig:keep:svc');
      return s.length === 1 && s[0]!.root.state === 'running';
    }, 10_000), 'exactly one live copy');
    // The recorded old copy waited for its parent's word, was discarded and never restarted.
    t.true(await waitFor(() => B2.events.some((e) => e.event === 'log' && /discarded, never restarted/.test(String(e.text))), 10_000), 'the old copy was fenced');
    t.false(B2.events.some((e) => e.event === 'recovering' || e.event === 'recovered'), 'the old copy was not rebuilt');

    // Control requests: unsigned, forged and replayed ones are refused; the peer keeps serving.
    const body = Buffer.from('{}');
    const unsigned = await rawPost(A.control!, '/v1/status', { 'content-type': 'application/json' }, body);
    t.is(unsigned.status, 401);
    t.regex(unsigned.body, /SF4303/);
    const forged = await controlRequest({ peer: A.control!, key: new GroupKey(randomBytes(32)), operation: 'terminate', body: { app: 'demo' } }).catch((e) => e as ControlError);
    t.true(forged instanceof ControlError);
    t.is((forged as ControlError).code, 'SF4304');
    t.regex((forged as ControlError).reason, /not signed with that peer's group key/);
    const headers = { 'content-type': 'application/json', ...signedHeaders(key, '/v1/members', A.control!, body) };
    t.is((await rawPost(A.control!, '/v1/members', headers, body)).status, 200);
    const replayed = await rawPost(A.control!, '/v1/members', headers, body);
    t.is(replayed.status, 401);
    t.regex(replayed.body, /SF4306/);
    t.is((await subtrees(A.control!)).length, 2, 'the application is untouched');

    // Terminate from another peer: nothing is left anywhere.
    t.is(await terminateCommand({ app: 'demo', peer: peers.get('C')!.control, keyFile }, memoryIo(dir, {})), 0);
    t.true(await waitFor(async () => (await subtrees(A.control!).catch(() => [1])).length === 0, 10_000));
  } finally {
    await Promise.all([...peers.values()].map((p) => stop(p)));
    rmSync(dir, { recursive: true, force: true });
  }
});
