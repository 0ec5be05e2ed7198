/**
 * `npm run bench -- chaos [simulated-minutes] [seed]`: random kills, restarts, deploys and
 * terminates against three peers with checkpoint stores (in process, on the memory network
 * and one manual clock, so that a run replays from its seed), checking after every step:
 *
 * - never two copies: no component path of an application is live twice in the group (but
 *   for the moment a restarted peer runs what it recorded before it has heard the group: the
 *   copy deployed later stays, within the join and discovery bounds, reported as overlaps);
 * - never a partial application running: a root that is running has every part of its plan
 *   live, but for the detection bound after the part's peer is lost;
 * - one application per name: no name has live roots on two peers (with the same allowance);
 * - nothing acknowledged lost: an application whose deploy was answered `running`, and that
 *   nobody terminated, is running again once its peers are back, or its end is in a history.
 *
 * Prints the operations done and every violation (there should be none).
 */
import { seededRandom } from '../runtime/group/memory-network.js';
import type { DeploymentPlan } from '../core/plan-types.js';
import type { GroupStatus } from '../runtime/control/protocol.js';
import { MemoryStorage } from '../runtime/persistence/store/index.js';
import { Cluster, bounds, liveCopies } from '../test/support/cluster.js';
import { c, plan } from '../test/support/runtime.js';

const PEERS = [['A', 1], ['B', 2], ['C', 3]] as const;
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta'];

/** An application of 2-5 probes, some placed on other peers; its part paths. */
function application(random: () => number, name: string): { plan: DeploymentPlan; paths: string[] } {
  const n = 2 + Math.floor(random() * 4);
  const children: Record<string, ReturnType<typeof c>> = {};
  for (let i = 0; i < n; i++) children[`p${i}`] = c('Probe');
  const p = plan(c('Compound', {}, children), name);
  for (const child of p.root.children) {
    if (random() < 0.3) {
      const host = PEERS[Math.floor(random() * PEERS.length)]![0];
      child.host = host;
      child.attributes.push(['sfProcessHost', host]);
    }
  }
  return { plan: p, paths: ['sfConfig', ...p.root.children.map((x) => x.path)] };
}

export async function main(args: string[]): Promise<void> {
  const minutes = Number(args[0] ?? 5);
  const seed = Number(args[1] ?? 1);
  const random = seededRandom(seed);
  const cluster = new Cluster(5000);
  const storage = new Map<string, MemoryStorage>();
  const down = new Map<string, number>(); // peer → restart time
  const acknowledged = new Map<string, string[]>(); // app → part paths, deploy answered running
  const trace = process.env.CHAOS_TRACE ? (line: string) => console.log(`  [${cluster.clock.now() - t0}] ${line}`) : () => undefined;
  const t0 = cluster.clock.now();
  const counts = { deploys: 0, refused: 0, running: 0, terminates: 0, kills: 0, restarts: 0, checks: 0 };
  const violations: string[] = [];
  /** app/path → when a running root was first seen without that part (detection takes time). */
  const missingSince = new Map<string, number>();
  const started = performance.now();
  try {
    for (const [n, id] of PEERS) {
      storage.set(n, new MemoryStorage(n));
      await cluster.add(n, id, { storage: storage.get(n) });
    }
    await cluster.stable(PEERS.map(([n]) => n));
    const end = cluster.clock.now() + minutes * 60_000;
    const live = () => PEERS.map(([n]) => n).filter((n) => !down.has(n));
    for (let step = 0; cluster.clock.now() < end && step < 100_000; step++) {
      // Restarts that are due.
      for (const [n, at] of [...down]) {
        if (cluster.clock.now() < at) continue;
        down.delete(n);
        await cluster.add(n, PEERS.find(([x]) => x === n)![1], { storage: storage.get(n) });
        counts.restarts++;
        trace(`restart ${n}`);
      }
      const r = random();
      const via = live()[Math.floor(random() * live().length)]!;
      const name = NAMES[Math.floor(random() * NAMES.length)]!;
      if (r < 0.45) {
        const { plan: p, paths } = application(random, name);
        counts.deploys++;
        try {
          const answer = await cluster.deploy(via, p, name, 3000);
          trace(`step ${step}: deploy ${name} via ${via}: ${answer.state}`);
          if (answer.state === 'running') {
            counts.running++;
            acknowledged.set(name, paths);
          }
        } catch (e) {
          trace(`step ${step}: deploy ${name} via ${via}: refused ${(e as Error).message.slice(0, 80)}`);
          counts.refused++; // the name runs already, or a part could not be placed
        }
      } else if (r < 0.75) {
        counts.terminates++;
        acknowledged.delete(name);
        await cluster.settled(cluster.get(via).handle('terminate', { app: name })).catch(() => undefined);
      } else if (r < 0.85 && live().length > 1) {
        const victim = live()[Math.floor(random() * live().length)]!;
        await cluster.settled(cluster.get(victim).crash());
        trace(`step ${step}: kill ${victim}`);
        down.set(victim, cluster.clock.now() + 1000 + Math.floor(random() * 4000));
        counts.kills++;
      }
      await cluster.run(200 + Math.floor(random() * 800));
      violations.push(...check(cluster, live(), `step ${step}`, missingSince));
      counts.checks++;
    }
    // Everyone back, settled: what was acknowledged and not terminated runs, or its end is recorded.
    for (const [n] of [...down]) {
      down.delete(n);
      await cluster.add(n, PEERS.find(([x]) => x === n)![1], { storage: storage.get(n) });
    }
    await cluster.run(bounds.join * 3 + 10_000);
    violations.push(...check(cluster, live(), 'at the end', missingSince));
    const s = (await cluster.settled(cluster.get('A').handle('status', { all: true }))) as GroupStatus;
    for (const [app] of acknowledged) {
      const running = s.applications.some((a) => a.name === app && a.root.state === 'running');
      const ended = s.history.some((h) => h.app === app);
      if (!running && !ended) violations.push(`at the end: ${app} was acknowledged running, never terminated, and is neither running nor in a history`);
    }
  } finally {
    await cluster.close();
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`chaos: ${minutes} simulated minutes, seed ${seed}, 3 peers with stores: ${secs.toFixed(1)} s of real time`);
  console.log(`  ${counts.deploys} deploys (${counts.running} answered running, ${counts.refused} refused), ${counts.terminates} terminates, ${counts.kills} kills -9, ${counts.restarts} restarts`);
  console.log(`  ${counts.checks} invariant checks (no two copies, no partial application running, one root per name, nothing acknowledged lost)`);
  console.log(`  transient overlaps (a restarted peer's recorded copy, an orphaned part before its parent's loss is noticed): ${overlaps.count}, the longest ${overlaps.max} ms (allowed: join + discovery = ${bounds.join + bounds.discovery} ms)`);
  console.log(`  violations: ${violations.length}`);
  for (const v of violations.slice(0, Number(process.env.CHAOS_SHOW ?? 20))) console.log(`    ${v}`);
  if (violations.length) process.exitCode = 1;
}

/**
 * The invariants. Copies and names hold at every instant; a running root may miss a part only
 * until the loss of that part's peer is detected and acted on (the detection bound and a
 * second of reaction), so a part missing for longer is the violation.
 */
function check(cluster: Cluster, live: string[], when: string, missingSince: Map<string, number>): string[] {
  const now = cluster.clock.now();
  const seen = new Set<string>();
  const out: string[] = [];
  const roots = new Map<string, string[]>();
  for (const n of live) {
    const peer = cluster.get(n);
    for (const app of peer.host.applicationNames()) {
      const root = peer.host.application(app);
      if (!root || root.isTerminating || app.includes('@')) continue;
      roots.set(app, [...(roots.get(app) ?? []), n]);
      // Every part of a running root is live somewhere (a placed one on its peer).
      if (root.state === 'running') {
        for (const child of root.children) {
          const copies = live.reduce((k, m) => k + liveCopies(cluster.get(m), app, child.path).length, 0);
          if (copies > 0 || child.isTerminating) continue;
          const key = `${app} ${child.path}`;
          seen.add(key);
          const since = missingSince.get(key) ?? now;
          missingSince.set(key, since);
          if (now - since > bounds.detection + 1000) out.push(`${when}: ${app} has run without its part ${child.path} for ${now - since} ms`);
        }
      }
    }
  }

  for (const [app, peers] of roots) {
    // Two roots of one name: a peer restarted (or healed) runs what it recorded before it has
    // heard the group; the copy deployed later stays once they see each other. Longer is a violation.
    const key = `root ${app}`;
    if (peers.length > 1) {
      seen.add(key);
      const since = missingSince.get(key) ?? now;
      missingSince.set(key, since);
      overlaps.max = Math.max(overlaps.max, now - since);
      if (since === now) overlaps.count++;
      if (now - since > bounds.join + bounds.discovery) out.push(`${when}: ${app} has had roots on ${peers.join(' and ')} for ${now - since} ms`);
    }
    if (peers.length > 1) continue;
    for (const path of ['sfConfig:p0', 'sfConfig:p1', 'sfConfig:p2', 'sfConfig:p3', 'sfConfig:p4']) {
      const copies = live.reduce((k, m) => k + liveCopies(cluster.get(m), app, path).length, 0);
      if (copies <= 1) continue;
      // A part placed by a root whose peer died ends when its peer notices (detection, liveness).
      const key = `copies ${app} ${path}`;
      seen.add(key);
      const since = missingSince.get(key) ?? now;
      missingSince.set(key, since);
      overlaps.max = Math.max(overlaps.max, now - since);
      if (since === now) overlaps.count++;
      if (now - since > bounds.join + bounds.discovery) out.push(`${when}: ${app} ${path} has been live ${copies} times for ${now - since} ms`);
    }
  }
  for (const key of [...missingSince.keys()]) if (!seen.has(key)) missingSince.delete(key);
  return out;
}

/** Transient overlaps of two roots of one name, and the longest seen (ms). */
const overlaps = { count: 0, max: 0 };
