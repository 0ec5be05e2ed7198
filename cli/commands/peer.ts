/**
 * `frog peer --name NAME [--id N] [--group ADDR:PORT] --key-file FILE [--interface ADDR]
 *  [--profile P] [--events json] [--data DIR] [--listen ADDR:PORT] [--placement-timeout S]`:
 * runs a peer (runtime/peer.ts): the group member (membership, stability, leader, state space),
 * the component host, the store (`--data`) and the authenticated control API (`--listen`,
 * default 127.0.0.1:7420; when that default is taken by another peer on this machine, an
 * ephemeral loopback port is used and printed; an explicit `--listen` that is taken is an error).
 *
 * With `--events json`, membership and stability events go to stdout as JSON lines
 * (`{"time","peer","event","subject",...}`); otherwise as short text lines. Exit codes: 0 after
 * SIGINT/SIGTERM; 1 bad options or key file; 2 the network could not be set up.
 */
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { GroupMember, eventRecord } from '../../runtime/group/group-member.js';
import type { GroupEvent } from '../../runtime/group/heartbeat-machine.js';
import { readKeyFile, KeyFileError } from '../../runtime/group/key-file.js';
import { DEFAULT_PROFILE, getProfile, profileWarnings, PROFILES } from '../../runtime/group/profiles.js';
import { TcpMessageTransport } from '../../runtime/group/tcp-message-transport.js';
import { systemClock } from '../../runtime/group/transport.js';
import { UdpMulticastTransport } from '../../runtime/group/udp-multicast-transport.js';
import { MAX_NODE_ID } from '../../runtime/group/bitset.js';
import { resolve as resolvePath } from 'node:path';
import type { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { HttpPeerLink } from '../../runtime/peer/peer-link.js';
import { Peer } from '../../runtime/peer/peer.js';
import { formatEventLine } from '../../runtime/host/events.js';
import { LmdbCheckpointStore, StoreError } from '../../runtime/persistence/store/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import type { Io } from '../io.js';

import { DEFAULT_GROUP, DEFAULT_INTERFACE, DEFAULT_LISTEN } from './peer-cli.js';

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

class PeerOptionError extends Error {}

function parseGroup(text: string): { group: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new PeerOptionError(`--group must be ADDRESS:PORT, as in ${DEFAULT_GROUP}; got \`${text}\`.`);
  const first = Number(m[1]!.split('.')[0]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(m[1]!) || first < 224 || first > 239) throw new PeerOptionError(`--group address \`${m[1]}\` is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255).`);
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

export async function peerCommand(o: PeerCommandOptions, io: Io): Promise<number> {
  const name = o.name ?? hostname();
  let id: number;
  let group: { group: string; port: number };
  let profile;
  try {
    if (!name || Buffer.byteLength(name) > 64) throw new PeerOptionError('--name must be 1 to 64 bytes.');
    if (o.id !== undefined) {
      id = Number(o.id);
      if (!/^\d+$/.test(o.id) || id > MAX_NODE_ID) throw new PeerOptionError(`--id must be an integer from 0 to ${MAX_NODE_ID}; got \`${o.id}\`.`);
    } else id = idFromName(name);
    group = parseGroup(o.group ?? DEFAULT_GROUP);
    if (!PROFILES[o.profile ?? DEFAULT_PROFILE]) throw new PeerOptionError(`Unknown profile \`${o.profile}\`; choose one of ${Object.keys(PROFILES).join(', ')}.`);
    profile = getProfile(o.profile ?? DEFAULT_PROFILE);
    if (o.events !== undefined && o.events !== 'json') throw new PeerOptionError(`--events takes \`json\`; got \`${o.events}\`.`);
    if (!o.keyFile && !io.env.FROG_KEY_FILE) throw new PeerOptionError('--key-file is required (or set FROG_KEY_FILE); create one with `frog key generate FILE`.');
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
  const epoch = Date.now();

  // --- the group part -------------------------------------------------------------------------
  let datagrams: UdpMulticastTransport;
  let messages: TcpMessageTransport;
  try {
    datagrams = await UdpMulticastTransport.open({ group: group.group, port: group.port, interfaceAddress: iface });
  } catch (e) {
    io.stderr(`frog peer: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  try {
    messages = await TcpMessageTransport.open({ self: id, epoch, key, host: iface });
  } catch (e) {
    await datagrams.close();
    io.stderr(`frog peer: cannot listen for peer messages on ${iface}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const member = new GroupMember({ identity: { id, name, epoch }, profile, key, clock: systemClock, datagrams, messages });
  let leaderShown: string | undefined;
  member.onEvent((e) => {
    if (e.type === 'conflict') io.stderr(`frog peer: warning: ${e.message}\n`);
    else if (e.type === 'clock-step') io.stderr(`frog peer: warning: clock step or stall: ${e.reason}\n`);
    if (!PRINTED.has(e.type)) return;
    if (o.events === 'json') {
      io.stdout(JSON.stringify(eventRecord(name, e)) + '\n');
      return;
    }
    // As text, a `stable` line names the leader already: a `leader` event saying the same is not repeated.
    const leader = e.type === 'stable' ? e.leader?.name : e.type === 'leader' ? (e.subject?.name ?? e.leader?.name) : undefined;
    if (e.type === 'leader' && leader !== undefined && leader === leaderShown) return;
    leaderShown = e.type === 'unstable' ? undefined : (leader ?? leaderShown);
    io.stdout(eventText(name, e) + '\n');
  });
  member.start();
  if (o.events !== 'json') io.stderr(`frog peer: ${name} (id ${id}) in group ${group.group}:${group.port} on ${iface}, profile ${profile.name}\n`);

  // --- run until stopped (listening from now on, so that a stop during recovery is not lost) ---
  let stopSignal = 'stopped';
  const stopped = new Promise<void>((resolve) => {
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

  // --- the component host, its store (--data) and the control server (--listen) ---------------
  const components = await startComponents(o, name, member, key, io);
  if (typeof components === 'number') {
    await member.stop();
    return components;
  }
  await stopped;
  await components.stop(stopSignal);
  await member.stop();
  return 0;
}

/**
 * Starts the full peer (runtime/peer.ts) around the group member: the store in `--data` (its
 * applications recovered), the component host, and the control server on `--listen`. A stop
 * (SIGTERM) is planned: components are stopped, their records kept, a clean shutdown recorded.
 * An exit code (after a message) when the store or the control address cannot be used.
 */
async function startComponents(o: PeerCommandOptions, name: string, member: GroupMember, key: GroupKey, io: Io): Promise<{ stop(reason: string): Promise<void> } | number> {
  const json = o.events === 'json';
  let store: LmdbCheckpointStore | undefined;
  if (o.data !== undefined) {
    store = new LmdbCheckpointStore(resolvePath(io.cwd, o.data));
    try {
      await store.open();
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      io.stderr(`frog peer: error ${e.code}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      return 1;
    }
  }
  const placement = Number(o.placementTimeout ?? 60);
  if (!Number.isFinite(placement) || placement <= 0) {
    io.stderr(`frog peer: --placement-timeout must be a positive number of seconds; got \`${o.placementTimeout}\`.\n`);
    await store?.close({ clean: true, reason: 'bad options' });
    return 1;
  }
  let listen = o.listen ?? DEFAULT_LISTEN;
  if (o.listen === undefined && !(await portFree(DEFAULT_LISTEN))) {
    listen = '127.0.0.1:0';
    io.stderr(`frog peer: warning: ${DEFAULT_LISTEN} is in use (another peer on this machine?); the control API takes a free loopback port\n`);
  }
  const peer = new Peer({ name, member, key, listen, link: new HttpPeerLink(key), registry: createStandardRegistry(), store, workingDirectory: io.cwd, placementTimeoutMs: placement * 1000 });
  if (json) peer.host.events.subscribe((e) => io.stdout(JSON.stringify(e) + '\n'));
  else {
    // Without --events json: what components print (Echo, Exec), and every failure.
    peer.host.events.subscribe((e) => {
      if (e.event === 'output') (e.stream === 'stderr' ? io.stderr : io.stdout)(`${e.text ?? ''}\n`);
      else if (e.event === 'failed') io.stderr(`frog peer: ${formatEventLine(e)}\n`);
    });
  }
  try {
    await peer.start();
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is in use (another peer? choose another with --listen)' : e instanceof Error ? e.message : String(e);
    io.stderr(`frog peer: cannot start${(e as NodeJS.ErrnoException).code ? ` the control server on ${listen}` : ''}: ${reason}\n`);
    await peer.stop('the peer could not start').catch(() => undefined);
    return 2;
  }
  if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'listening', subject: name, control: peer.control }) + '\n');
  else io.stderr(`frog peer: control API on ${peer.control}\n`);
  const report = peer.recovery;
  if (report) {
    const apps = report.applications.length;
    const summary = `recovered ${apps} application${apps === 1 ? '' : 's'} (${report.rebuilt} component${report.rebuilt === 1 ? '' : 's'}) in ${report.durationMs.toFixed(0)} ms; previous stop: ${report.incarnation.lastShutdown}`;
    if (json) io.stdout(JSON.stringify({ time: Date.now(), peer: name, event: 'recovery', subject: name, applications: report.applications.map((a) => a.name), components: report.rebuilt, ms: report.durationMs, lastShutdown: report.incarnation.lastShutdown }) + '\n');
    else io.stderr(`frog peer: ${summary}\n`);
  }
  return { stop: (reason: string) => peer.stop(reason) };
}

/** True when nothing listens on `host:port` yet. */
function portFree(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(Number(address.slice(at + 1)), address.slice(0, at), () => server.close(() => resolve(true)));
  });
}
