/**
 * `frog status [--peer ADDR] [--key-file FILE] [--json]`: what every peer of the group sees
 * (members, partition, stability, leader) and every application with its component tree and
 * each component's state and peer, across all peers, then the applications that ended (each
 * peer keeps its last 100, see runtime/peer/history.ts). `frog members` prints the membership as
 * one peer sees it; `frog terminate APP` terminates an application wherever its root runs.
 *
 * Exit codes: 0 done; 1 bad options or key file; 2 the peer refused or could not be reached
 * (or, for terminate, no peer runs the application).
 *
 * With `--json`, one document on stdout: the peer's answer with `diagnostics` (empty), or on
 * failure `{"diagnostics": [...]}`.
 */
import type { ComponentStatus, EndedApplication, GroupStatus } from '../../../runtime/control/protocol.js';
import type { Io } from '../../io.js';
import { Output } from '../../output.js';
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

/**
 * One request of a client command: the key, the timeout, the request, its errors; `answer`
 * prints the answer as text (or returns the object `--json` prints). Exit 0, 1 or 2.
 */
async function ask<T>(out: Output, o: ClientOptions, fallbackMs: number, send: (key: NonNullable<Awaited<ReturnType<typeof clientKey>>>, timeoutMs: number) => Promise<T | undefined>, answer: (a: T) => object | void): Promise<number> {
  const code = await (async () => {
    const key = await clientKey(o, out);
    if (!key) return 1;
    const timeoutMs = timeoutOf(o, fallbackMs, out);
    if (timeoutMs === undefined) return 1;
    let a: T | undefined;
    try {
      a = await send(key, timeoutMs);
    } catch (e) {
      return reportError(e, out);
    }
    if (!a) return 2;
    const doc = answer(a);
    if (out.json) out.document(doc ?? {});
    return 0;
  })();
  if (out.json && code !== 0) out.document({});
  return code;
}

export async function statusCommand(o: StatusCommandOptions, io: Io): Promise<number> {
  const out = new Output('status', io, { mode: o.json ? 'json' : 'text' });
  // The peer asks the others in parallel, each bounded, and answers within the command's time.
  return ask(
    out,
    o,
    10_000,
    (key, timeoutMs) => request('status', o, key, 'status', { all: true, timeoutMs: Math.max(250, timeoutMs - 1000), attributes: o.attributes === true }, timeoutMs) as Promise<GroupStatus | undefined>,
    (s) => (out.json ? s : void io.stdout(renderStatus(s))),
  );
}

export interface TerminateCommandOptions extends ClientOptions {
  app: string;
  json?: boolean;
}

export async function terminateCommand(o: TerminateCommandOptions, io: Io): Promise<number> {
  const out = new Output('terminate', io, { mode: o.json ? 'json' : 'text' });
  return ask(
    out,
    o,
    120_000,
    (key, timeoutMs) => request('terminate', o, key, 'terminate', { app: o.app }, timeoutMs),
    (r) => (out.json ? { app: r.app, peer: r.peer, terminated: true } : void io.stdout(`${r.app}: terminated (its root ran on ${r.peer})\n`)),
  );
}

export interface MembersCommandOptions extends ClientOptions {
  json?: boolean;
}

export async function membersCommand(o: MembersCommandOptions, io: Io): Promise<number> {
  const out = new Output('members', io, { mode: o.json ? 'json' : 'text' });
  return ask(out, o, 10_000, (key, timeoutMs) => request('members', o, key, 'members', {}, timeoutMs), (m) => {
    if (out.json) return m;
    const lines = [`as seen by ${m.peer}: ${m.stable ? 'stable' : 'unstable'}, leader ${m.leader}, partition {${m.partition.join(', ')}}`];
    for (const x of m.members) {
      const since = x.since !== undefined ? ` since ${new Date(x.since).toISOString().slice(11, 19)}Z` : '';
      lines.push(`  ${x.name}  id ${x.id}  ${x.state}${since}${x.control ? `  control ${x.control}` : ''}${x.load !== undefined ? `  load ${x.load}` : ''}`);
    }
    const dropped = Object.entries(m.counters?.datagramsDropped ?? {}).filter(([, n]) => n > 0);
    if (dropped.length) lines.push(`datagrams dropped: ${dropped.map(([r, n]) => `${r} ${n}`).join(', ')}`);
    io.stdout(lines.join('\n') + '\n');
  });
}
