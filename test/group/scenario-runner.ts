/**
 * Runs a scenario script (test/group/scenarios/*.scn) on the simulation: one command a line, `#` starts
 * a comment. Commands:
 *
 *   profile NAME | seed N | loss P | delay MIN MAX | duplicate P
 *   add-peers N            start peers 1..N (continuing after the highest id)
 *   add-peer ID [preferred]
 *   crash ID | restart ID | skew ID MS
 *   partition 1 2 | 3 4 5  | heal | cut FROM TO   (FROM's traffic no longer reaches TO)
 *   wait MS | tick N       (N heartbeat intervals, N may be a fraction)
 *   until COND within BOUND [after BOUND]   run until COND; fail if it takes longer than BOUND
 *                                            (or less than the `after` bound) since the last disruption
 *   expect COND            must hold now
 *   expect no-eviction     no `disconnected` event since the last disruption
 *
 * Conditions: `stable A B C` (each stable with exactly these members), `gone X from A B`,
 * `member X of A B`, `leader L of A B`, `unstable A B`.
 * Bounds: sums of numbers and the names of `boundsOf` and the profile (`detection`, `join`, `merge`,
 * `restabilisation`, `earliestDetection`, `interval`, `timeout`, `stability`, `quiescence`, ...), e.g.
 * `earliestDetection-interval`; a term may carry a factor, as in `0.5*slack`. `wait` and `skew` take
 * the same expressions (`skew 4 slack-50`, `wait quiescence`), so a script keeps its meaning under
 * every profile. A margin of one step (20 ms) is added to upper bounds; scripts with network delay
 * add 2d themselves.
 */
import { boundsOf, getProfile, type TimingProfile } from '../../runtime/group/profiles.js';
import { Simulation } from '../../runtime/group/simulation.js';

export const MARGIN = 20;
const TRACED = new Set(['joined', 'left', 'stable', 'unstable', 'leader']);

export interface ScenarioResult {
  trace: string;
  failures: string[];
  violations: string[];
}

export interface ScenarioOptions {
  /** Runs the script under this profile, whatever its `profile` line says. */
  profile?: string;
}

export async function runScenario(text: string, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  let profile: TimingProfile = getProfile('local-test');
  let seed = 1;
  const lines = text.split('\n').map((l, i) => ({ n: i + 1, words: l.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean) }));
  // Settings first, so the simulation is built once.
  for (const { words } of lines) {
    if (words[0] === 'profile') profile = getProfile(words[1]);
    if (words[0] === 'seed') seed = Number(words[1]);
  }
  if (options.profile) profile = getProfile(options.profile);
  const sim = new Simulation({ profile, seed, checkProperties: true });
  const start = sim.clock.now();
  const failures: string[] = [];
  let mark = sim.clock.now();
  let nextId = 1;
  const ids = (ws: string[]) => ws.map(Number);
  const view = (id: number) => {
    const p = sim.peers.get(id);
    if (!p) throw new Error(`no peer ${id}`);
    return p.member.view();
  };

  const bound = (expr: string): number => {
    const b = { ...boundsOf(profile), ...profile } as unknown as Record<string, number>;
    const term = /^([+-]?)(?:(\d+(?:\.\d+)?)\*)?([A-Za-z]+|\d+(?:\.\d+)?)/;
    let total = 0;
    let rest = expr;
    if (rest.length === 0) throw new Error('empty bound');
    while (rest.length > 0) {
      const m = term.exec(rest);
      if (!m || (m.index === 0 && m[0].length === 0)) throw new Error(`bad bound ${expr}`);
      const v = /^\d/.test(m[3]!) ? Number(m[3]) : b[m[3]!];
      if (v === undefined || typeof v !== 'number') throw new Error(`unknown bound ${m[3]}`);
      const scaled = (m[2] === undefined ? 1 : Number(m[2])) * v;
      total += m[1] === '-' ? -scaled : scaled;
      rest = rest.slice(m[0].length);
      if (rest.length > 0 && !/^[+-]/.test(rest)) throw new Error(`bad bound ${expr}`);
    }
    return Math.round(total);
  };

  const condition = (ws: string[]): (() => boolean) => {
    const [kind, ...rest] = ws;
    switch (kind) {
      case 'stable':
        return () => sim.stableWith(ids(rest));
      case 'unstable':
        return () => ids(rest).every((id) => !view(id).stable);
      case 'gone': {
        const x = Number(rest[0]);
        const of = ids(rest.slice(2));
        return () => of.every((id) => !view(id).members.includes(x));
      }
      case 'member': {
        const x = Number(rest[0]);
        const of = ids(rest.slice(2));
        return () => of.every((id) => view(id).members.includes(x));
      }
      case 'leader': {
        const l = Number(rest[0]);
        const of = ids(rest.slice(2));
        return () => of.every((id) => view(id).stable && view(id).leader === l);
      }
      default:
        throw new Error(`unknown condition ${kind}`);
    }
  };

  for (const { n, words } of lines) {
    if (words.length === 0) continue;
    const [cmd, ...args] = words;
    const at = `line ${n} (${words.join(' ')})`;
    const disrupt = () => (mark = sim.clock.now());
    switch (cmd) {
      case 'profile':
      case 'seed':
        break;
      case 'loss':
        sim.net.conditions.loss = Number(args[0]);
        break;
      case 'delay':
        sim.net.conditions.minDelay = Number(args[0]);
        sim.net.conditions.maxDelay = Number(args[1]);
        break;
      case 'duplicate':
        sim.net.conditions.duplicate = Number(args[0]);
        break;
      case 'add-peers': {
        const count = Number(args[0]);
        for (let i = 0; i < count; i++) sim.addPeer(nextId++);
        disrupt();
        break;
      }
      case 'add-peer': {
        const id = Number(args[0]);
        sim.addPeer(id, { preferred: args[1] === 'preferred' });
        nextId = Math.max(nextId, id + 1);
        disrupt();
        break;
      }
      case 'crash':
        sim.crash(Number(args[0]));
        disrupt();
        break;
      case 'restart':
        sim.addPeer(Number(args[0]));
        disrupt();
        break;
      case 'skew':
        sim.peers.get(Number(args[0]))!.clock.offset = bound(args[1]!);
        disrupt();
        break;
      case 'partition': {
        const groups = args.join(' ').split('|').map((g) => ids(g.trim().split(/\s+/).filter(Boolean)));
        sim.net.partition(groups);
        disrupt();
        break;
      }
      case 'heal':
        sim.net.heal();
        disrupt();
        break;
      case 'cut':
        sim.net.cut(Number(args[0]), Number(args[1]));
        disrupt();
        break;
      case 'wait':
        sim.advance(bound(args[0]!));
        break;
      case 'tick':
        sim.advance(Number(args[0]) * profile.interval);
        break;
      case 'until': {
        const wi = args.indexOf('within');
        const ai = args.indexOf('after');
        const cond = condition(args.slice(0, wi));
        const upper = bound(args[wi + 1]!) + MARGIN;
        const lower = ai >= 0 ? bound(args[ai + 1]!) : -Infinity;
        const limit = upper - (sim.clock.now() - mark);
        const took = sim.until(cond, Math.max(0, limit) + 1, 5);
        const since = sim.clock.now() - mark;
        if (took < 0) failures.push(`${at}: not true within ${upper} ms`);
        else if (since < lower - MARGIN) failures.push(`${at}: true after ${since} ms, earlier than ${lower} ms`);
        break;
      }
      case 'expect': {
        if (args[0] === 'no-eviction') {
          for (const p of sim.peers.values()) {
            const bad = p.events.filter((e) => e.type === 'disconnected' && e.time >= mark);
            if (bad.length) failures.push(`${at}: ${p.name} evicted ${bad.map((e) => e.subject?.name).join(', ')}`);
          }
        } else if (!condition(args)()) failures.push(`${at}: does not hold`);
        break;
      }
      default:
        throw new Error(`${at}: unknown command`);
    }
  }
  const events: { t: number; id: number; line: string }[] = [];
  for (const p of sim.peers.values()) {
    for (const e of p.events) {
      if (!TRACED.has(e.type)) continue;
      const extra = e.members ? ` {${e.members.map((m) => m.name).join(',')}}` : '';
      events.push({ t: e.time - start, id: p.id, line: `${e.type} ${e.subject?.name ?? ''}${extra}`.trim() });
    }
  }
  events.sort((a, b) => a.t - b.t || a.id - b.id);
  const trace = events.map((e) => `${String(e.t).padStart(6)} p${e.id} ${e.line}`).join('\n') + '\n';
  await sim.close();
  return { trace, failures, violations: [...sim.violations] };
}
