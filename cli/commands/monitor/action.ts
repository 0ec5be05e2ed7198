/**
 * `frog monitor [--peer ADDR] [--all] [--app NAME] [--json]`: a live stream of a peer's events
 * (membership, stability, leader, and its components' lifecycle), through the control
 * protocol's streaming operation `monitor` (docs/design/control.md §6.5), signed like every
 * request, and every line of the answer checked. With `--all`, the peer's members are asked and
 * each present peer is followed too (peers that join later are picked up when they appear).
 * Ctrl-C ends it with 0; the peer going away ends it with 2.
 *
 * `frog query NAME [--peer ADDR] [--json]`: the providers of a state-space name (§6.6).
 */
import { controlStream, type ControlStream } from '../../../runtime/control/control-client.js';
import type { QueryAnswer } from '../../../runtime/control/protocol.js';
import type { GroupKey } from '../../../runtime/group/authenticated-transport.js';
import { formatEventLine, type RuntimeEvent } from '../../../runtime/host/events.js';
import { DEFAULT_PEER } from '../../defaults.js';
import type { Io } from '../../io.js';
import { clientKey, reportError, request, timeoutOf, type ClientOptions } from '../../peer-client.js';
import { Output } from '../../output.js';

export interface MonitorCommandOptions extends ClientOptions {
  app?: string;
  json?: boolean;
  all?: boolean;
  /** Tests stop the monitor with this instead of a signal. */
  abort?: AbortSignal;
  /** How long a silent stream is taken for a live one (tests shorten it with the peer's keep-alive). */
  idleMs?: number;
}

/** Peers followed at once with `--all`, at most. */
export const MAX_FOLLOWED = 64;

/** One event as a line: time, peer, then what happened. */
export function eventLine(e: RuntimeEvent): string {
  const time = new Date(e.time).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let what: string;
  if (e.event === 'stable') what = `stable {${((e.members as string[] | undefined) ?? []).join(', ')}} leader ${String(e.leader ?? '?')}`;
  else if (e.event === 'unstable') what = 'unstable';
  else if (['joined', 'left', 'leader', 'connected', 'disconnected', 'refused', 'conflict', 'clock-step'].includes(String(e.event))) {
    what = `${e.event} ${e.subject}${e.reason ? ` (${String(e.reason)})` : ''}${e.message ? `: ${String(e.message)}` : ''}`;
  } else what = `${formatEventLine(e)}${e.app && !String(e.subject).startsWith(String(e.app)) ? ` [${String(e.app)}]` : ''}`;
  return `${time}  ${e.peer}  ${what}`;
}

export async function monitorCommand(o: MonitorCommandOptions, io: Io): Promise<number> {
  // With --json: JSON lines, the problems too (cli/output.ts).
  const out = new Output('monitor', io, { mode: o.json ? 'lines' : 'text' });
  const key = await clientKey(o, out);
  if (!key) return 1;
  if (o.app !== undefined && (o.app === '' || o.app.length > 256)) {
    out.problem('--app takes an application name.');
    return 1;
  }
  const first = o.peer ?? DEFAULT_PEER;
  const streams = new Map<string, ControlStream>();
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const print = (value: unknown) => {
    const v = value as { keepalive?: number; dropped?: number } & RuntimeEvent;
    if (v.keepalive !== undefined) return;
    if (v.dropped !== undefined) {
      out.problem(`${v.dropped} event${v.dropped === 1 ? '' : 's'} dropped: this monitor fell behind the peer.`, { severity: 'warning' });
      return;
    }
    io.stdout(o.json ? JSON.stringify(v) + '\n' : eventLine(v) + '\n');
  };
  const follow = (address: string, primary: boolean) => {
    if (streams.has(address) || streams.size >= MAX_FOLLOWED) return;
    const stream = controlStream({ peer: address, key, operation: 'monitor', body: o.app ? { app: o.app } : {}, onValue: (v) => {
      print(v);
      if (o.all && primary && ((v as RuntimeEvent).event === 'joined' || (v as RuntimeEvent).event === 'stable')) void discover(key, first);
    }, idleMs: o.idleMs });
    streams.set(address, stream);
    void stream.ended.then((end) => {
      streams.delete(address);
      if (!end.error) return;
      if (primary) {
        reportError(end.error, out);
        finish(2);
      } else out.problem(`${address}: ${end.error.message}`, { severity: 'warning' });
    });
  };
  /** With --all: every present peer the first one lists, followed once. */
  let asking = false;
  const discover = async (k: GroupKey, address: string) => {
    if (asking) return;
    asking = true;
    try {
      // Give a peer that just joined a moment to publish its control address.
      await new Promise((r) => setTimeout(r, 300));
      const m = await request('monitor', { ...o, peer: address }, k, 'members', {}, 10_000);
      for (const x of m?.members ?? []) if (x.control && x.state !== 'failed' && x.state !== 'self' && !x.control.startsWith('mem:')) follow(x.control, false);
    } catch {
      // the primary stream reports a peer that went away
    } finally {
      asking = false;
    }
  };
  follow(first, true);
  if (o.all) void discover(key, first);
  const off = io.onSignal?.(() => finish(0));
  if (o.abort) {
    if (o.abort.aborted) finish(0);
    o.abort.addEventListener('abort', () => finish(0), { once: true });
  }
  const code = await finished;
  off?.();
  for (const s of streams.values()) s.close();
  return code;
}

export interface QueryCommandOptions extends ClientOptions {
  name: string;
  json?: boolean;
}

export async function queryCommand(o: QueryCommandOptions, io: Io): Promise<number> {
  const out = new Output('query', io, { mode: o.json ? 'json' : 'text' });
  const code = await queryOnce(o, io, out);
  if (out.json && code !== 0) out.document({});
  return code;
}

async function queryOnce(o: QueryCommandOptions, io: Io, out: Output): Promise<number> {
  const key = await clientKey(o, out);
  if (!key) return 1;
  try {
    const timeoutMs = timeoutOf(o, 10_000, out);
    if (timeoutMs === undefined) return 1;
    const a = (await request('query', o, key, 'query', { name: o.name }, timeoutMs)) as QueryAnswer | undefined;
    if (!a) return 2;
    if (out.json) {
      out.document(a);
      return 0;
    }
    const n = a.providers.length;
    const lines = [`${a.name}: ${n === 0 ? 'no provider' : `${n} provider${n === 1 ? '' : 's'}`} (as seen by ${a.peer})`];
    const width = Math.max(0, ...a.providers.map((p) => (p.peer ?? '?').length));
    for (const p of a.providers) lines.push(`  ${(p.peer ?? '?').padEnd(width)}  ${p.id}  ${JSON.stringify(p.value)}`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    return reportError(e, out);
  }
}
