/**
 * The soak benchmark's pure parts (bench/soak.ts), here so that tests may use them: its options,
 * and the classifier of the removals the peers report (expected, a deliberate freeze, or a false
 * suspicion).
 */
import { availableParallelism } from 'node:os';

export const DEFAULT_PORT = 48600;
/** Clock slack between our record of a signal and the peers' event times (same machine). */
export const CLOCK_SLACK = 100;

export interface SoakOptions {
  minutes: number;
  peers: number;
  churn: number;
  profile: string;
  /** `--nice` for every peer (as the packaged unit's `Nice=`), or undefined. */
  nice?: number;
  churnSeconds: number;
  busy: number;
  seed: number;
  port: number;
  selfCheck: boolean;
}

export class SoakOptionError extends Error {}

export function parseSoakArgs(args: string[]): SoakOptions {
  const o: SoakOptions = { minutes: 60, peers: 10, churn: -1, profile: 'lan', churnSeconds: 5, busy: availableParallelism(), seed: 1, port: DEFAULT_PORT, selfCheck: false };
  let minutesGiven = false;
  const num = (name: string, v: string | undefined, min: number, max: number, integer = true): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      throw new SoakOptionError(`--${name} needs ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    switch (a) {
      case '--minutes': o.minutes = num('minutes', v, 0.1, 24 * 60, false); minutesGiven = true; i++; break;
      case '--peers': o.peers = num('peers', v, 3, 60); i++; break;
      case '--churn': o.churn = num('churn', v, 0, 59); i++; break;
      case '--nice': if (!v || !/^-?\d{1,2}$/.test(v) || Number(v) < -20 || Number(v) > 19) throw new SoakOptionError('--nice needs a whole number from -20 to 19'); o.nice = Number(v); i++; break;
      case '--profile': if (!v) throw new SoakOptionError('--profile needs a name'); o.profile = v; i++; break;
      case '--churn-seconds': o.churnSeconds = num('churn-seconds', v, 0.5, 3600, false); i++; break;
      case '--busy': o.busy = num('busy', v, 0, 64); i++; break;
      case '--seed': o.seed = num('seed', v, 0, 2 ** 31 - 1); i++; break;
      case '--port': o.port = num('port', v, 1024, 65535); i++; break;
      case '--self-check': o.selfCheck = true; break;
      default: throw new SoakOptionError(`unknown option ${JSON.stringify(a)}`);
    }
  }
  if (o.churn < 0) o.churn = Math.round(o.peers * 0.4);
  if (o.peers - o.churn < 2) throw new SoakOptionError(`--churn ${o.churn} leaves fewer than 2 core peers of ${o.peers}`);
  if (o.selfCheck && !minutesGiven) o.minutes = 2;
  return o;
}

export interface Ev {
  time: number;
  peer: string;
  event: string;
  subject: string;
  reason?: string;
  members?: string[];
}

export interface Removal extends Ev {
  kind: 'expected' | 'false' | 'freeze';
  why: string;
}

/** A peer's lives as the classifier needs them: when each started and when we stopped it. */
export interface PeerLives {
  lives: { start: number; stop?: number }[];
}

export interface Freeze {
  name: string;
  from: number;
  to: number;
}

/**
 * Classifies every removal among `events` (`disconnected` and `left`, as the peers report them):
 * `expected` when the observer was stopping, when it is the `restarted` eviction of an old
 * incarnation (or the `left` within `grace` after one), or when the subject had been stopped by us
 * at or before the event and had not started again, or started again less than `grace` ms after
 * the stop; `freeze` when only a deliberate freeze (SIGSTOP, `--self-check`) of the subject or the
 * observer, up to `grace` after it, explains it; otherwise `false`: a false suspicion.
 */
export function classifyRemovals(events: Ev[], peers: ReadonlyMap<string, PeerLives>, freezes: Freeze[], grace: number): Removal[] {
  const restarted = new Map<string, number[]>();
  for (const x of events) {
    if (x.event === 'disconnected' && x.reason === 'restarted') {
      const k = `${x.peer}\u0000${x.subject}`;
      const l = restarted.get(k) ?? [];
      l.push(x.time);
      restarted.set(k, l);
    }
  }
  const stamp = (t: number) => new Date(t).toISOString().slice(11, 23);
  const out: Removal[] = [];
  for (const e of events) {
    if (e.event !== 'disconnected' && e.event !== 'left') continue;
    out.push(classifyOne(e));
  }
  return out;

  function classifyOne(e: Ev): Removal {
    const observer = peers.get(e.peer);
    const obsLife = observer?.lives.filter((l) => l.start <= e.time + CLOCK_SLACK).at(-1);
    if (obsLife?.stop !== undefined && obsLife.stop <= e.time + CLOCK_SLACK) return { ...e, kind: 'expected', why: 'the observer was being stopped' };
    if (e.event === 'disconnected' && e.reason === 'restarted') return { ...e, kind: 'expected', why: 'an old incarnation, restarted' };
    const lives = peers.get(e.subject)?.lives ?? [];
    for (let i = 0; i < lives.length; i++) {
      const stop = lives[i]!.stop;
      if (stop === undefined || stop > e.time + CLOCK_SLACK) continue;
      const next = lives[i + 1]?.start ?? Infinity;
      if (e.time <= Math.max(next, stop + grace)) return { ...e, kind: 'expected', why: `stopped at ${stamp(stop)}` };
    }
    if (e.event === 'left' && (restarted.get(`${e.peer}\u0000${e.subject}`) ?? []).some((t) => t <= e.time + CLOCK_SLACK && t >= e.time - grace)) {
      return { ...e, kind: 'expected', why: 'after the restarted eviction' };
    }
    // Otherwise false, unless a deliberate freeze (--self-check) explains it: a true suspicion.
    for (const f of freezes) {
      if ((e.subject === f.name || e.peer === f.name) && e.time >= f.from - CLOCK_SLACK && e.time <= f.to + grace) return { ...e, kind: 'freeze', why: `${f.name} frozen (SIGSTOP) ${stamp(f.from)}–${stamp(f.to)}` };
    }
    return { ...e, kind: 'false', why: peers.has(e.subject) ? 'the subject was running' : 'unknown subject' };
  }
}
