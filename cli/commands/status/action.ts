/**
 * `frog status [--peer ADDR] [--key-file FILE] [--json]`: what every peer of the group sees
 * (members, partition, stability, leader) and every application with its component tree and
 * each component's state and peer, across all peers, then the applications that ended (each
 * peer keeps its last 100, see runtime/peer/history.ts). `frog members` prints the membership as
 * one peer sees it; `frog terminate APP` terminates an application wherever its root runs.
 *
 * Exit codes: 0 done; 1 bad options or key file; 2 the peer refused or could not be reached
 * (or, for terminate, no peer runs the application).
 */
import type { ComponentStatus, EndedApplication, GroupStatus } from '../../../runtime/control/protocol.js';
import type { Io } from '../../io.js';
import { clientKey, reportError, request, timeoutOf, type ClientOptions } from '../../peer-client.js';

/** What rendering reads of one peer's view; a peer that did not answer has `error`. */
interface PeerView {
  peer: string;
  control?: string;
  stable?: boolean;
  leader?: string;
  partition?: string[];
  error?: string;
}

/** What rendering reads of the answer to `status {all: true}` (a peer of an older frogpond sends no history). */
type StatusView = Omit<GroupStatus, 'peers' | 'history'> & { peers: PeerView[]; history?: EndedApplication[] };

export interface StatusCommandOptions extends ClientOptions {
  json?: boolean;
  /** Each component's attributes too. */
  attributes?: boolean;
}

/** One row per component, depth first: the indented name, then the columns after it. */
function treeRows(c: ComponentStatus, depth: number, out: string[][]): void {
  const label = `${'  '.repeat(depth + 1)}${depth === 0 ? c.path : c.name}`;
  if (c.remote && c.peer !== c.remote.peer) {
    // The part's own peer did not answer: only the placeholder on the parent's peer is known.
    const waiting = ['deploying', 'deployed', 'starting', 'running', 'unknown'].includes(c.state);
    out.push([label, `placed on ${c.remote.peer}`, `${waiting ? `waiting for ${c.remote.peer}` : c.state}${c.remote.instance ? ` (instance ${c.remote.instance})` : ''}`]);
    return;
  }
  const where = c.remote ? `${c.peer} (placed, instance ${c.remote.instance})` : c.peer;
  out.push([label, c.type, c.state, `on ${where}`]);
  // With --attributes: one line each, under the component, not in its columns.
  for (const [name, value] of Object.entries(c.attributes ?? {})) out.push([`${'  '.repeat(depth + 3)}${name} = ${JSON.stringify(value)}`]);
  for (const x of c.children) treeRows(x, depth + 1, out);
}

/** A component tree as aligned columns: name, type, state, peer. */
function treeLines(root: ComponentStatus, out: string[]): void {
  const rows: string[][] = [];
  treeRows(root, 0, rows);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r.length > i + 1 ? r[i]!.length : 0))));
  for (const r of rows) out.push(r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd());
}

export function renderStatus(s: StatusView): string {
  const out: string[] = [];
  for (const p of s.peers) {
    if (p.error) out.push(`peer ${p.peer}: unreachable: ${p.error}`);
    else out.push(`peer ${p.peer} (${p.control}): ${p.stable ? 'stable' : 'unstable'}, leader ${p.leader}, partition {${(p.partition ?? []).join(', ')}}`);
  }
  if (!s.applications.length) out.push('no applications');
  for (const a of s.applications) {
    out.push(`application ${a.name} (root on ${a.peer})`);
    treeLines(a.root, out);
  }
  historyLines(s.history ?? [], out);
  return out.join('\n') + '\n';
}

/** The time of a history entry: ISO 8601 in UTC, to the second. */
function isoSeconds(time: number): string {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The applications that ended, oldest first, one aligned line each: time, application,
 * outcome, peer, reason (and the component the termination record names, when it is not the
 * root). Nothing at all when there are none.
 */
function historyLines(history: readonly EndedApplication[], out: string[]): void {
  if (!history.length) return;
  const rows = history.map((e) => {
    const reason = e.reason.replace(/\s*\n\s*/g, ' '); // one line per entry
    return [isoSeconds(e.time), e.app, e.outcome, `on ${e.peer}`, e.path.includes(':') ? `${reason} (at ${e.path})` : reason];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  out.push('ended');
  for (const r of rows) out.push(`  ${r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd());
}

export async function statusCommand(o: StatusCommandOptions, io: Io): Promise<number> {
  const key = await clientKey('status', o, io);
  if (!key) return 1;
  try {
    const timeoutMs = timeoutOf('status', o, 10_000, io);
    if (timeoutMs === undefined) return 1;
    // The peer asks the others in parallel, each bounded, and answers within the command's time.
    const s = (await request('status', o, key, 'status', { all: true, timeoutMs: Math.max(250, timeoutMs - 1000), attributes: o.attributes === true }, timeoutMs)) as GroupStatus | undefined;
    if (!s) return 2;
    io.stdout(o.json ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s));
    return 0;
  } catch (e) {
    return reportError('status', e, io);
  }
}

export interface TerminateCommandOptions extends ClientOptions {
  app: string;
}

export async function terminateCommand(o: TerminateCommandOptions, io: Io): Promise<number> {
  const key = await clientKey('terminate', o, io);
  if (!key) return 1;
  try {
    const timeoutMs = timeoutOf('terminate', o, 120_000, io);
    if (timeoutMs === undefined) return 1;
    const r = await request('terminate', o, key, 'terminate', { app: o.app }, timeoutMs);
    if (!r) return 2;
    io.stdout(`${r.app}: terminated (its root ran on ${r.peer})\n`);
    return 0;
  } catch (e) {
    return reportError('terminate', e, io);
  }
}

export interface MembersCommandOptions extends ClientOptions {
  json?: boolean;
}

export async function membersCommand(o: MembersCommandOptions, io: Io): Promise<number> {
  const key = await clientKey('members', o, io);
  if (!key) return 1;
  try {
    const timeoutMs = timeoutOf('members', o, 10_000, io);
    if (timeoutMs === undefined) return 1;
    const m = await request('members', o, key, 'members', {}, timeoutMs);
    if (!m) return 2;
    if (o.json) {
      io.stdout(JSON.stringify(m, null, 2) + '\n');
      return 0;
    }
    const lines = [`as seen by ${m.peer}: ${m.stable ? 'stable' : 'unstable'}, leader ${m.leader}, partition {${m.partition.join(', ')}}`];
    for (const x of m.members) {
      const since = x.since !== undefined ? ` since ${new Date(x.since).toISOString().slice(11, 19)}Z` : '';
      lines.push(`  ${x.name}  id ${x.id}  ${x.state}${since}${x.control ? `  control ${x.control}` : ''}${x.load !== undefined ? `  load ${x.load}` : ''}`);
    }
    const dropped = Object.entries(m.counters?.datagramsDropped ?? {}).filter(([, n]) => n > 0);
    if (dropped.length) lines.push(`datagrams dropped: ${dropped.map(([r, n]) => `${r} ${n}`).join(', ')}`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    return reportError('members', e, io);
  }
}
