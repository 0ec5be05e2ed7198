/**
 * Named timing profiles of the heartbeat group, with the bounds each one implies (docs/design/group.md §0, §1.6).
 *
 * Symbols: I = heartbeat interval, k = timeout in intervals, T = k·I (timeliness bound),
 * S = stability interval, Q = quiescence period, J = maximum random re-registration delay.
 * ε = clock skew, d = network delay, σ = scheduling delay: the bounds below leave them out and a
 * deployment adds them. No false suspicion holds while d + ε + σ < T − I (the "slack").
 *
 * | profile     | I      | k | T      | S       | Q       | J      | detect T+I | restabilise T+3I+S | join 3I+S | heal Q+3I+S | slack T−I |
 * |-------------|--------|---|--------|---------|---------|--------|------------|--------------------|-----------|-------------|-----------|
 * | paper-safe  | 2000   | 3 | 6000   | 12000   | 14000   | 1000   | 8 s        | 24 s               | 18 s      | 32 s        | 4 s       |
 * | java-compat | 2000   | 3 | 6000   | 8000    | 10000   | 1000   | 8 s        | 20 s               | 14 s      | 24 s        | 4 s       |
 * | local-test  | 200    | 3 | 600    | 1200    | 1400    | 100    | 0.8 s      | 2.4 s              | 1.8 s     | 3.2 s       | 0.4 s     |
 * | lan         | 200    | 4 | 800    | 1600    | 1800    | 200    | 1.0 s      | 3.0 s              | 2.2 s     | 4.0 s       | 0.6 s     |
 * | fast        | 250    |2.4| 600    | 1200    | 1450    | 100    | 0.6 s (T)  | 2.55 s             | 1.95 s    | 3.4 s       | 0.35 s    |
 *
 * paper-safe (the default) satisfies the model's ω > 2μ and δ = 2μ with μ = T: S = 2T, Q = 2T + I.
 * java-compat reproduces the Java formulas S = (k+1)·I, Q = (k+2)·I, which break ω > 2μ for k > 2
 * (kept for timing comparison). local-test is the test plan's fast CI profile (paper-safe formulas).
 * lan is tuned for fast detection on one local network (loopback or a LAN with sub-100 ms delays and
 * NTP-synchronised clocks): k = 4 keeps 600 ms of slack for delay, skew and event-loop stalls.
 *
 * fast (docs/design/group.md §4.1, §2.1) is for detecting a frozen peer quickly at few bytes: precise
 * eviction (detection bound T instead of T + I; B2, noticed in heartbeats, and the restabilisation bound keep T + I)
 * and 30-byte keep-alives while a heartbeat's body is unchanged (58 bytes a packet with IP and UDP
 * headers, every 250 ms, and a full heartbeat at least every 10 s: about 240 bytes/s per peer,
 * below serf's 265–300 on loopback). k = 2.4 (k need not be whole): one lost heartbeat is not a
 * suspicion (2I + d < T while d < 100 ms); its 350 ms of slack is for one host or a quiet LAN with
 * synchronised clocks.
 *
 * Over unicast (`frog peer --join`, docs/design/group.md §7) heartbeats go straight from each member to
 * each other one every I, so detection, restabilisation and merge keep the bounds above; only finding
 * the addresses adds 2I (+ d): join 5I + S, and Q + 5I + S for a merge after the addresses were forgotten.
 *
 * A one-way link (test plan PM-3) is covered by the restabilisation bound T + 3I + S (+ 2d): its two
 * ends part and every peer is stable again within it (conflict resolution of the hearing graph, see
 * heartbeat-machine.ts). Once every link is two-way again, one view forms within the heal bound.
 */
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';

export interface TimingProfile {
  readonly name: string;
  /** I: heartbeat interval (ms). */
  readonly interval: number;
  /** k: heartbeat timeout counted in intervals. */
  readonly timeoutIntervals: number;
  /** T = k·I (ms). */
  readonly timeout: number;
  /** S: stability interval (ms). */
  readonly stability: number;
  /** Q: quiescence period (ms). */
  readonly quiescence: number;
  /** J: maximum random delay before re-registering with the leader after becoming stable (ms). */
  readonly reregisterDelay: number;
  /**
   * Evict a peer at its last heartbeat + T, waking off the tick grid for it (docs/design/group.md
   * §2.1 "Precise eviction"), instead of on the first tick after that: detection T instead of T + I.
   */
  readonly preciseEviction?: boolean;
  /** Send 38-byte keep-alives while the heartbeat body is unchanged (docs/design/group.md §4.1). */
  readonly keepAlives?: boolean;
}

export interface ProfileBounds {
  /** B1: a crashed peer is removed from every connection set and partition within this time of the crash. */
  detection: number;
  /** B1′: no peer is evicted earlier than this after its last heartbeat (T, minus ε). */
  earliestDetection: number;
  /** B2: a peer that stops hearing another evicts it within this time. */
  asymmetricEviction: number;
  /** B4: survivors are stable again within this time of a crash or split; also after a one-way link failure (PM-3). */
  restabilisation: number;
  /** B5: a new peer is part of a stable merged view within this time of starting. */
  join: number;
  /** B6: after a heal, one stable merged view within this time (worst case, quiescence included). */
  merge: number;
  /** B7/B10: a bound listener receives a new value within this time of setValue. */
  valueUpdate: number;
  /** B8: discovery of a provider or listener registered while stable. */
  discovery: number;
  /** d + ε + σ must stay below this for no false suspicion. */
  slack: number;
  /**
   * B5 over unicast (`--join`, docs/design/group.md §7): 5I + S. The newcomer's first heartbeat
   * (≤ I after it starts) reaches its seed only, which answers with its directory; its next one
   * (I later) reaches every member, which answers within I: every pair hears each other within
   * 3I + 2d of the start instead of I + d, 2I later than with multicast.
   */
  unicastJoin: number;
  /**
   * B6 over unicast when the members had forgotten each other's addresses (a cut longer than the
   * forget time): Q + 5I + S, the seeds bringing the two sides together as for a join. A shorter cut
   * keeps the addresses and merges within B6.
   */
  unicastMerge: number;
}

function profile(name: string, interval: number, k: number, stability: number, quiescence: number, j: number): TimingProfile {
  return Object.freeze({ name, interval, timeoutIntervals: k, timeout: Math.round(k * interval), stability, quiescence, reregisterDelay: j });
}

/** Builds a profile with the paper-safe formulas S = 2T, Q = 2T + I. */
export function paperSafe(name: string, interval: number, k: number, j: number): TimingProfile {
  const t = Math.round(k * interval);
  return profile(name, interval, k, 2 * t, 2 * t + interval, j);
}

export const PROFILES: Readonly<Record<string, TimingProfile>> = Object.freeze({
  'paper-safe': paperSafe('paper-safe', 2000, 3, 1000),
  'java-compat': profile('java-compat', 2000, 3, 4 * 2000, 5 * 2000, 1000),
  'local-test': paperSafe('local-test', 200, 3, 100),
  lan: paperSafe('lan', 200, 4, 200),
  fast: Object.freeze({ ...paperSafe('fast', 250, 2.4, 100), preciseEviction: true, keepAlives: true }),
});

export const DEFAULT_PROFILE = 'paper-safe';

export class UnknownProfileError extends FrogError {
  constructor(readonly profileName: string) {
    super(Messages.UnknownProfile, { name: profileName, choices: Object.keys(PROFILES).join(', ') });
    this.name = 'UnknownProfileError';
  }
}

export function getProfile(name: string = DEFAULT_PROFILE): TimingProfile {
  const p = PROFILES[name];
  if (!p) throw new UnknownProfileError(name);
  return p;
}

/** The bounds of docs/design/group.md §1.6 for a profile, without ε, d and σ. */
export function boundsOf(p: TimingProfile): ProfileBounds {
  const { interval: i, timeout: t, stability: s, quiescence: q, reregisterDelay: j } = p;
  // Precise eviction: at the last heartbeat + T (+ 1 ms: the timeout is strict, on a millisecond clock).
  const evict = p.preciseEviction ? t + 1 : t + i;
  return {
    detection: evict,
    earliestDetection: t,
    // B2 is noticed in the other's heartbeats (it stopped hearing us), on the tick grid: T + I still.
    asymmetricEviction: t + i,
    restabilisation: t + 3 * i + s,
    join: 3 * i + s,
    merge: q + 3 * i + s,
    valueUpdate: t,
    discovery: j + 3 * t,
    slack: t - i,
    unicastJoin: 5 * i + s,
    unicastMerge: q + 5 * i + s,
  };
}

/** Anything a profile's configuration should warn about (docs/design/group.md §0: less than 500 ms of slack). */
export function profileWarnings(p: TimingProfile): string[] {
  const out: string[] = [];
  if (p.timeout - p.interval < 500) out.push(`profile \`${p.name}\` leaves ${p.timeout - p.interval} ms of slack for delay, skew and scheduling (less than 500 ms)`);
  if (p.quiescence <= 2 * p.timeout) out.push(`profile \`${p.name}\` has quiescence ${p.quiescence} ms, not greater than twice the timeout (${2 * p.timeout} ms)`);
  return out;
}
