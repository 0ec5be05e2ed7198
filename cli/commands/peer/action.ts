/**
 * `frog peer --name NAME [--id N] [--group ADDR:PORT] --key-file FILE [--interface ADDR]
 *  [--profile P] [--events json] [--data DIR] [--listen ADDR:PORT] [--placement-timeout S]`:
 * runs a peer, put together by runtime/peer/assemble.ts: the group member (membership,
 * stability, leader, state space), the component host, the store (`--data`) and the
 * authenticated control API (`--listen`, default 127.0.0.1:7420; when that default is taken by
 * another peer on this machine, an ephemeral loopback port is used and printed; an explicit
 * `--listen` that is taken is an error).
 *
 * With `--events json`, membership and stability events go to stdout as JSON lines
 * (`{"time","peer","event","subject",...}`); otherwise as short text lines. Exit codes: 0 after
 * SIGINT/SIGTERM; 1 bad options or key file; 2 the network could not be set up; 3 refused by the
 * group: a peer that ran first already uses this `--name` (SF4515) or this node id (SF4516).
 */
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { FrogError } from '../../../core/errors.js';
import { Messages } from '../../../core/messages/index.js';
import { eventRecord } from '../../../runtime/group/group-member.js';
import type { GroupEvent } from '../../../runtime/group/heartbeat-machine.js';
import { readKeyFile, KeyFileError } from '../../../runtime/group/key-file.js';
import { DEFAULT_PROFILE, getProfile, profileWarnings, PROFILES } from '../../../runtime/group/profiles.js';
import { MAX_NODE_ID } from '../../../runtime/group/bitset.js';
import { formatEventLine } from '../../../runtime/host/events.js';
import { assemble } from '../../../runtime/peer/assemble.js';
import { createStandardRegistry } from '../../../stdlib/index.js';
import type { Io } from '../../io.js';

import { DEFAULT_GROUP, DEFAULT_INTERFACE, DEFAULT_LISTEN } from './command.js';

export interface PeerCommandOptions {
  name?: string;
  id?: string;
  group?: string;
  keyFile?: string;
  interface?: string;
  profile?: string;
  events?: string;
  /** A data directory: checkpoint components there and recover what it holds at start. */
  data?: string;
  /** The control API's address (default 127.0.0.1:7420). */
  listen?: string;
  /** Seconds a placement waits for an absent peer (default 60). */
  placementTimeout?: string;
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
/**
 * `--events json` tells every membership change this peer sees (docs/design/pipeline.md §6.2): the
 * partition events above, changes of the connection set with their reasons, peer-link failures
 * ignored as belonging to an earlier admission, and the warnings (also on standard error).
 */
const PRINTED_JSON = new Set([...PRINTED, 'connected', 'disconnected', 'link-ignored', 'conflict', 'clock-step']);

/** The exit code of a peer refused by the group as a duplicate of one that ran first (SF4515, SF4516). */
export const EXIT_DUPLICATE = 3;

export async function peerCommand(o: PeerCommandOptions, io: Io): Promise<number> {
  const name = o.name ?? hostname();
  let id: number;
  let group: { group: string; port: number };
  let profile;
  try {
    if (!name || Buffer.byteLength(name) > 64) throw new PeerOptionError(Messages.BadPeerName);
    if (o.id !== undefined) {
      id = Number(o.id);
      if (!/^\d+$/.test(o.id) || id > MAX_NODE_ID) throw new PeerOptionError(Messages.BadPeerId, { max: MAX_NODE_ID, id: o.id });
    } else id = idFromName(name);
    group = parseGroup(o.group ?? DEFAULT_GROUP);
    if (!PROFILES[o.profile ?? DEFAULT_PROFILE]) throw new PeerOptionError(Messages.UnknownProfile, { name: o.profile, choices: Object.keys(PROFILES).join(', ') });
    profile = getProfile(o.profile ?? DEFAULT_PROFILE);
    if (o.events !== undefined && o.events !== 'json') throw new PeerOptionError(Messages.BadEventsOption, { events: o.events });
    if (!o.keyFile && !io.env.FROG_KEY_FILE) throw new PeerOptionError(Messages.KeyFileRequired);
  } catch (e) {
    if (e instanceof PeerOptionError) {
      io.stderr(`frog peer: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let key;
  try {
    key = await readKeyFile(o.keyFile ?? io.env.FROG_KEY_FILE!);
  } catch (e) {
    if (e instanceof KeyFileError) {
      io.stderr(`frog peer: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const w of profileWarnings(profile)) io.stderr(`frog peer: warning: ${w}\n`);
  const iface = o.interface ?? DEFAULT_INTERFACE;
  const json = o.events === 'json';
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
    report: (line) => io.stderr(`frog peer: ${line}\n`),
    network: {
      id,
      key,
      profile,
      group,
      interfaceAddress: iface,
      listen: o.listen,
      defaultListen: DEFAULT_LISTEN,
      placementTimeout: o.placementTimeout,
      onMember: (member) => {
        member.onEvent((e) => {
          if (e.type === 'refused') {
            // Another peer that ran first has this name or node id: this one leaves (docs/design/group.md §2.1).
            refused = true;
            stopSignal = e.reason ?? 'refused';
            const hint = member.refused?.hint;
            io.stderr(`frog peer: error ${e.code}: ${e.message}\n${hint ? `  hint: ${hint}\n` : ''}`);
            if (json) io.stdout(JSON.stringify(eventRecord(name, e)) + '\n');
            stopNow?.();
            return;
          }
          if (e.type === 'conflict') io.stderr(`frog peer: warning: ${e.message}\n`);
          else if (e.type === 'clock-step') io.stderr(`frog peer: warning: clock step or stall: ${e.reason}\n`);
          if (json) {
            if (PRINTED_JSON.has(e.type)) io.stdout(JSON.stringify(eventRecord(name, e)) + '\n');
            return;
          }
          if (!PRINTED.has(e.type)) return;
          // As text, a `stable` line names the leader already: a `leader` event saying the same is not repeated.
          const leader = e.type === 'stable' ? e.leader?.name : e.type === 'leader' ? (e.subject?.name ?? e.leader?.name) : undefined;
          if (e.type === 'leader' && leader !== undefined && leader === leaderShown) return;
          leaderShown = e.type === 'unstable' ? undefined : (leader ?? leaderShown);
          io.stdout(eventText(name, e) + '\n');
        });
      },
      onStarted: () => {
        if (o.events !== 'json') io.stderr(`frog peer: ${name} (id ${id}) in group ${group.group}:${group.port} on ${iface}, profile ${profile.name}\n`);
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
          // Without --events json: what components print (Echo, Exec), and every failure.
          peer.host.events.subscribe((e) => {
            if (e.event === 'output') (e.stream === 'stderr' ? io.stderr : io.stdout)(`${e.text ?? ''}\n`);
            else if (e.event === 'failed') io.stderr(`frog peer: ${formatEventLine(e)}\n`);
          });
        }
      },
    },
  });
  if (typeof assembled === 'number') return assembled;
  const { peer } = assembled;
  if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'listening', subject: name, control: peer.control }) + '\n');
  else io.stderr(`frog peer: control API on ${peer.control}\n`);
  const report = peer.recovery;
  if (report) {
    const apps = report.applications.length;
    const summary = `recovered ${apps} application${apps === 1 ? '' : 's'} (${report.rebuilt} component${report.rebuilt === 1 ? '' : 's'}) in ${report.durationMs.toFixed(0)} ms; previous stop: ${report.incarnation.lastShutdown}`;
    if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'recovery', subject: name, applications: report.applications.map((a) => a.name), components: report.rebuilt, ms: report.durationMs, lastShutdown: report.incarnation.lastShutdown }) + '\n');
    else io.stderr(`frog peer: ${summary}\n`);
  }
  await stopped;
  await assembled.close(stopSignal);
  return refused ? EXIT_DUPLICATE : 0;
}
