/**
 * `frog peer [--config FILE] [--print-config] --name NAME [--id N] [--group ADDR:PORT] --key-file FILE [--interface ADDR]
 *  [--profile P] [--events json] [--data DIR] [--listen ADDR:PORT] [--placement-timeout S] [--http ADDR:PORT]
 *  [--http-token-file FILE]`:
 * runs a peer, put together by runtime/peer/assemble.ts: the group member (membership,
 * stability, leader, state space), the component host, the store (`--data`) and the
 * authenticated control API (`--listen`, default 127.0.0.1:7420; when that default is taken by
 * another peer on this machine, an ephemeral loopback port is used and printed; an explicit
 * `--listen` that is taken is an error).
 *
 * With `--events json` (or `--json`), membership and stability events, component events and
 * every problem (`{"event": "diagnostic", ...}`, docs/design/pipeline.md §6.10) go to stdout as
 * JSON lines (`{"time","peer","event","subject",...}`), every group event (connections and
 * clock steps too), nothing to stderr; otherwise as short text lines. `--verbose` shows, as
 * text, every group event (not only joins, departures, stability and leaders) and every
 * component event. Exit codes: 0 after
 * SIGINT/SIGTERM; 1 bad options or key file; 2 the network could not be set up; 3 refused by the
 * group: a peer that ran first already uses this `--name` (SF4515) or this node id (SF4516).
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { getPriority, hostname, setPriority } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { FrogError } from '../../../core/errors.js';
import { formatMessage, Messages } from '../../../core/messages/index.js';
import { eventRecord } from '../../../runtime/group/group-member.js';
import type { GroupEvent } from '../../../runtime/group/heartbeat-machine.js';
import { readKeyFile, KeyFileError } from '../../../runtime/group/key-file.js';
import { DEFAULT_PROFILE, getProfile, profileWarnings, PROFILES } from '../../../runtime/group/profiles.js';
import { MAX_NODE_ID } from '../../../runtime/group/bitset.js';
import { joinHostPort, splitHostPort } from '../../../runtime/group/unicast-transport.js';
import { formatEventLine } from '../../../runtime/host/events.js';
import { assemble } from '../../../runtime/peer/assemble.js';
import { checkToken, HttpListenerError, isLoopback, parseHttpAddress } from '../../../runtime/http/http-listener.js';
import { createStandardRegistry } from '../../../stdlib/index.js';
import type { Io } from '../../io.js';
import { Output } from '../../output.js';
import { PeerConfigError, printPeerConfig, readPeerConfig, type ConfigKind } from './config.js';

import { DEFAULT_GROUP, DEFAULT_INTERFACE, DEFAULT_LISTEN, peerConfigKeys } from './command.js';

export interface PeerCommandOptions {
  name?: string;
  id?: string;
  group?: string;
  keyFile?: string;
  interface?: string;
  /** `host:port,…`: heartbeat over unicast too, from these members (docs/design/group.md §7). */
  join?: string;
  /** The unicast UDP port (default: the group port). */
  joinPort?: string;
  profile?: string;
  /** Scheduling priority to set at start (os.setPriority), -20..19. */
  nice?: string;
  events?: string;
  /** A data directory: checkpoint components there and recover what it holds at start. */
  data?: string;
  /** The control API's address (default 127.0.0.1:7420). */
  listen?: string;
  /** Seconds a placement waits for an absent peer (default 60). */
  placementTimeout?: string;
  /** The same as `events: 'json'`. */
  json?: boolean;
  /** Every group event, and every component event as text. */
  verbose?: boolean;
  /** The HTTP listener's address (off when absent). */
  http?: string;
  /** The bearer token of the HTTP listener, in a file (or FROG_HTTP_TOKEN_FILE). */
  httpTokenFile?: string;
  /** A TOML file with options; those given here override it. */
  config?: string;
  /** Print the effective configuration and exit. */
  printConfig?: boolean;
  /** Options that hold their default value (the file may set them); without it, any option that has a value was given. */
  defaults?: string[];
  /** The keys of a configuration file (default: the options of `frog peer`). */
  configKeys?: ReadonlyMap<string, ConfigKind>;
  /** Tests stop the peer with this instead of a signal. */
  abort?: AbortSignal;
}

/** The default node id: a hash of the name (FNV-1a) folded into 0..2047. */
export function idFromName(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % (MAX_NODE_ID + 1);
}

/** A `frog peer` option that cannot be used (SF4503, SF4509 to SF4514): printed as its message, without a code. */
class PeerOptionError extends FrogError {}

function parseGroup(text: string): { group: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new PeerOptionError(Messages.BadGroupOption, { example: DEFAULT_GROUP, text });
  const first = Number(m[1]!.split('.')[0]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(m[1]!) || first < 224 || first > 239) throw new PeerOptionError(Messages.NotMulticastGroup, { address: m[1] });
  return { group: m[1]!, port };
}

/** `--join`'s list, each entry `host:port` (IPv6 in brackets); throws PeerOptionError (SF4540). */
export function parseJoin(text: string): { host: string; port: number }[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((p) => {
    const hp = splitHostPort(p);
    if (!hp || !/^[A-Za-z0-9.:-]+$/.test(hp.host) || p.length > 300) throw new PeerOptionError(Messages.BadJoinOption, { text });
    return hp;
  });
}

/** Seeds as `address:port`, host names resolved (SF4541). */
async function resolveSeeds(seeds: { host: string; port: number }[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of seeds) {
    if (isIP(s.host)) out.push(joinHostPort(s.host, s.port));
    else {
      try {
        out.push(joinHostPort((await lookup(s.host, { family: 4 })).address, s.port));
      } catch (e) {
        throw new PeerOptionError(Messages.JoinHostUnresolved, { host: s.host, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
    }
  }
  return out;
}

function eventText(peer: string, e: GroupEvent): string {
  const subject = e.subject?.name ?? peer;
  switch (e.type) {
    case 'stable':
      return `${peer}: stable {${(e.members ?? []).map((m) => m.name).join(', ')}} leader ${e.leader?.name}`;
    case 'unstable':
      return `${peer}: unstable`;
    default:
      return `${peer}: ${e.type} ${subject}${e.reason ? ` (${e.reason})` : ''}`;
  }
}

const PRINTED = new Set(['joined', 'left', 'stable', 'unstable', 'leader']);
// `--events json` carries every group event (docs/design/pipeline.md §6.2): the partition events
// above, changes of the connection set with their reasons, peer-link failures ignored as
// belonging to an earlier admission, and the warnings.

/** The exit code of a peer refused by the group as a duplicate of one that ran first (SF4515, SF4516). */
export const EXIT_DUPLICATE = 3;

/** Reports an error with its code and hint; exit code 1. */
function optionFailure(e: FrogError, io: Io): number {
  io.stderr(`frog peer: error ${e.code}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
  return 1;
}

/** The options with the configuration file's values under them, or an exit code. */
async function configured(given: PeerCommandOptions, io: Io): Promise<PeerCommandOptions | number> {
  const o: PeerCommandOptions = { ...given };
  if (o.config === undefined) return o;
  let file: Record<string, string>;
  try {
    file = await readPeerConfig(resolvePath(io.cwd, o.config), o.configKeys ?? peerConfigKeys());
  } catch (e) {
    if (e instanceof PeerConfigError) return optionFailure(e, io);
    throw e;
  }
  const values = o as unknown as Record<string, unknown>;
  for (const [attribute, value] of Object.entries(file)) {
    if (values[attribute] === undefined || o.defaults?.includes(attribute)) values[attribute] = value;
  }
  return o;
}

/** The HTTP listener's settings, checked (address, token, the loopback rule), or an exit code. */
async function httpSettings(o: PeerCommandOptions, io: Io): Promise<{ listen: string; token?: string } | undefined | number> {
  if (o.http === undefined) return undefined;
  const tokenFile = o.httpTokenFile ?? io.env.FROG_HTTP_TOKEN_FILE;
  try {
    const { host } = parseHttpAddress(o.http);
    let token: string | undefined;
    if (tokenFile) {
      const path = resolvePath(io.cwd, tokenFile);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new HttpListenerError(Messages.HttpBadToken, { file: path, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (e as Error).message });
      }
      token = checkToken(text, path);
    }
    if (!token && !isLoopback(host)) throw new HttpListenerError(Messages.HttpNeedsToken, { address: o.http });
    return { listen: o.http, token };
  } catch (e) {
    if (e instanceof HttpListenerError) return optionFailure(e, io);
    throw e;
  }
}

export async function peerCommand(given: PeerCommandOptions, io: Io): Promise<number> {
  const o = await configured(given, io);
  if (typeof o === 'number') return o;
  if (o.printConfig) {
    const paths = (v: string | undefined) => (v === undefined ? undefined : resolvePath(io.cwd, v));
    const effective = { ...o, name: o.name ?? hostname(), keyFile: paths(o.keyFile ?? io.env.FROG_KEY_FILE), data: paths(o.data), httpTokenFile: paths(o.httpTokenFile ?? io.env.FROG_HTTP_TOKEN_FILE) };
    io.stdout(printPeerConfig(effective, o.configKeys ?? peerConfigKeys()));
    return 0;
  }
  const http = await httpSettings(o, io);
  if (typeof http === 'number') return http;
  const name = o.name ?? hostname();
  const out = new Output('peer', io, { mode: o.json || o.events === 'json' ? 'lines' : 'text', verbose: o.verbose, lineFields: { peer: name, subject: name } });
  let id: number;
  let group: { group: string; port: number };
  let profile;
  let join: { seeds: string[]; port: number } | undefined;
  try {
    if (!name || Buffer.byteLength(name) > 64) throw new PeerOptionError(Messages.BadPeerName);
    if (o.id !== undefined) {
      id = Number(o.id);
      if (!/^\d+$/.test(o.id) || id > MAX_NODE_ID) throw new PeerOptionError(Messages.BadPeerId, { max: MAX_NODE_ID, id: o.id });
    } else id = idFromName(name);
    group = parseGroup(o.group ?? DEFAULT_GROUP);
    if (!PROFILES[o.profile ?? DEFAULT_PROFILE]) throw new PeerOptionError(Messages.UnknownProfile, { name: o.profile, choices: Object.keys(PROFILES).join(', ') });
    profile = getProfile(o.profile ?? DEFAULT_PROFILE);
    if (o.nice !== undefined && (!/^-?\d{1,2}$/.test(String(o.nice)) || Number(o.nice) < -20 || Number(o.nice) > 19)) throw new PeerOptionError(Messages.BadNice, { text: String(o.nice) });
    if (o.events !== undefined && o.events !== 'json') throw new PeerOptionError(Messages.BadEventsOption, { events: o.events });
    if (!o.keyFile && !io.env.FROG_KEY_FILE) throw new PeerOptionError(Messages.KeyFileRequired);
    if (o.joinPort !== undefined && (!/^\d{1,5}$/.test(o.joinPort) || Number(o.joinPort) > 65535)) throw new PeerOptionError(Messages.BadJoinPort, { text: o.joinPort });
    // --join-port alone: listen for unicast members (a seed of a mixed group) without naming one.
    if (o.join === undefined && o.joinPort !== undefined) join = { seeds: [], port: Number(o.joinPort) };
    if (o.join !== undefined) join = { seeds: await resolveSeeds(parseJoin(o.join)), port: o.joinPort === undefined ? group.port : Number(o.joinPort) };
  } catch (e) {
    if (e instanceof PeerOptionError) {
      out.problem(e.message, { code: e.code });
      return 1;
    }
    throw e;
  }
  let key;
  try {
    key = await readKeyFile(o.keyFile ?? io.env.FROG_KEY_FILE!);
  } catch (e) {
    if (e instanceof KeyFileError) {
      out.problem(e.message, { code: e.code });
      return 1;
    }
    throw e;
  }
  for (const w of profileWarnings(profile)) out.problem(w, { severity: 'warning', text: `frog peer: warning: ${w}\n` });
  if (o.nice !== undefined) {
    // A busy host delays a peer's timers; a higher priority keeps its heartbeats within the profile's slack (docs/operations.md).
    const nice = Number(o.nice);
    try {
      setPriority(nice);
    } catch (e) {
      const w = formatMessage(Messages.NiceNotPermitted, { nice, reason: (e as NodeJS.ErrnoException).code ?? String(e), current: getPriority() });
      out.problem(w, { code: Messages.NiceNotPermitted.code, severity: 'warning', text: `frog peer: warning: ${w}\n` });
    }
  }
  const iface = o.interface ?? DEFAULT_INTERFACE;
  const json = out.json;
  let leaderShown: string | undefined;
  let stopSignal = 'stopped';
  let stopped: Promise<void> | undefined;
  let stopNow: (() => void) | undefined;
  /** Set when the group refused this peer as a duplicate: it stops and exits with EXIT_DUPLICATE. */
  let refused = false;
  // The member, the store (--data), the component host and the control server (--listen): runtime/peer/assemble.ts.
  const assembled = await assemble({
    name,
    registry: createStandardRegistry(),
    workingDirectory: io.cwd,
    data: o.data === undefined ? undefined : resolvePath(io.cwd, o.data),
    report: (line) => out.report(line),
    network: {
      id,
      key,
      profile,
      group,
      interfaceAddress: iface,
      join,
      onUnicast: (address) => {
        if (!json) io.stderr(`frog peer: unicast heartbeats on ${address}, joining ${join!.seeds.join(', ')}\n`);
      },
      listen: o.listen,
      defaultListen: DEFAULT_LISTEN,
      placementTimeout: o.placementTimeout,
      http,
      onMember: (member) => {
        member.onEvent((e) => {
          if (e.type === 'refused') {
            // Another peer that ran first has this name or node id: this one leaves (docs/design/group.md §2.1).
            refused = true;
            stopSignal = e.reason ?? 'refused';
            const hint = member.refused?.hint;
            if (json) io.stdout(JSON.stringify({ ...eventRecord(name, e), ...(hint ? { hint } : {}) }) + '\n');
            else io.stderr(`frog peer: error ${e.code}: ${e.message}\n${hint ? `  hint: ${hint}\n` : ''}`);
            stopNow?.();
            return;
          }
          // Warnings: as text on stderr; with --json, the event itself is the warning.
          const warning = e.type === 'conflict' || e.type === 'clock-step';
          if (warning && !json) io.stderr(e.type === 'conflict' ? `frog peer: warning: ${e.message}\n` : `frog peer: warning: clock step or stall: ${e.reason}\n`);
          // JSON lines carry every group event; text only the ones above, or all with --verbose.
          if (!json && !PRINTED.has(e.type) && !o.verbose) return;
          if (json) {
            io.stdout(JSON.stringify(eventRecord(name, e)) + '\n');
            return;
          }
          // As text, a `stable` line names the leader already: a `leader` event saying the same is not repeated.
          const leader = e.type === 'stable' ? e.leader?.name : e.type === 'leader' ? (e.subject?.name ?? e.leader?.name) : undefined;
          if (e.type === 'leader' && leader !== undefined && leader === leaderShown) return;
          leaderShown = e.type === 'unstable' ? undefined : (leader ?? leaderShown);
          if (!warning) io.stdout(eventText(name, e) + '\n');
        });
      },
      onStarted: () => {
        if (!json) io.stderr(`frog peer: ${name} (id ${id}) in group ${group.group}:${group.port} on ${iface}, profile ${profile.name}\n`);
        // Run until stopped (listening from now on, so that a stop during recovery is not lost).
        stopped = new Promise<void>((resolve) => {
          stopNow = resolve;
          if (refused) resolve();
          const off = io.onSignal?.((signal) => {
            stopSignal = signal;
            off?.();
            resolve();
          });
          if (o.abort) {
            if (o.abort.aborted) resolve();
            o.abort.addEventListener('abort', () => resolve(), { once: true });
          }
        });
      },
      onPeer: (peer) => {
        if (json) peer.host.events.subscribe((e) => io.stdout(JSON.stringify(e) + '\n'));
        else {
          // Without --events json: what components print (Echo, Exec), and every failure (with --verbose, every event).
          peer.host.events.subscribe((e) => {
            if (e.event === 'output') (e.stream === 'stderr' ? io.stderr : io.stdout)(`${e.text ?? ''}\n`);
            else if (e.event === 'failed' || o.verbose) io.stderr(`frog peer: ${formatEventLine(e)}${o.verbose && e.type ? ` (${e.type})` : ''}\n`);
          });
        }
      },
    },
  });
  if (typeof assembled === 'number') return assembled;
  const { peer } = assembled;
  if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'listening', subject: name, control: peer.control }) + '\n');
  else io.stderr(`frog peer: control API on ${peer.control}\n`);
  if (peer.httpListener) {
    if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'http', subject: name, http: peer.httpListener }) + '\n');
    else io.stderr(`frog peer: HTTP listener on ${peer.httpListener}${http && http.token ? ' (bearer token required)' : ''}\n`);
  }
  const report = peer.recovery;
  if (report) {
    const apps = report.applications.length;
    const summary = `recovered ${apps} application${apps === 1 ? '' : 's'} (${report.rebuilt} component${report.rebuilt === 1 ? '' : 's'}) in ${report.durationMs.toFixed(0)} ms; previous stop: ${report.incarnation.lastShutdown}`;
    const failed = report.failed.map((f) => ({ name: f.name, code: f.code, reason: f.reason }));
    if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'recovery', subject: name, applications: report.applications.map((a) => a.name), components: report.rebuilt, ms: report.durationMs, lastShutdown: report.incarnation.lastShutdown, failed }) + '\n');
    else {
      io.stderr(`frog peer: ${summary}${failed.length ? `; ${failed.length} not recovered` : ''}\n`);
      // One line each (the `log` event says the same to subscribers); the peer runs the others.
      for (const f of report.failed) io.stderr(`frog peer: error ${f.code}: ${f.message}\n`);
    }
  }
  await stopped;
  await assembled.close(stopSignal);
  return refused ? EXIT_DUPLICATE : 0;
}
