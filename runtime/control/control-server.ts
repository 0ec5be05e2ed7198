/**
 * The peer's control API: HTTP on loopback unless configured otherwise, every request
 * authenticated with the group key (see signing.ts), bodies in JSON or msgpack and bounded
 * in size. The signed headers (signature, clock window, start of this run, target, nonce,
 * declared length) are checked before the body is read: a refused request's body is never
 * read, and a client that asked `Expect: 100-continue` is refused before it sends it.
 * Operations are registered by name (`POST /v1/<operation>`); a handler gets the decoded
 * body and returns the answer. A bad request gets a clear refusal with a code and a
 * reason, never a crash; a handler's failure is an error answer with its message only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pack, unpack } from 'msgpackr';
import { FrogError, relayedEntry } from '../../core/errors.js';
import { Messages, formatMessage, type MessageEntry } from '../../core/messages/index.js';
import { NO_METRICS, type MetricsSink } from '../../core/metrics.js';
import { IdleSweeper } from '../../core/idle-sweep.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import {
  HEADER_BODY_DIGEST,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TARGET,
  HEADER_TIME,
  MAX_SKEW_MS,
  NonceCache,
  answerSignature,
  bodyDigest,
  canonicalTarget,
  requestSignature,
  sameSignature,
  streamLineSignature,
} from './signing.js';

export const DEFAULT_CONTROL_PORT = 7420;
export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Authenticated connections served at once: the CLI and the other peers of one group need far fewer. */
export const MAX_CONNECTIONS = 128;
/**
 * Connections that have not yet sent an authenticated request, at most, and from one source
 * address. Past either limit the oldest such connection is closed to make room: whoever holds
 * the key sends a signed request within milliseconds of connecting, so a flood of slow or idle
 * connections only ever pushes out its own, never a client's or a peer link's.
 */
export const MAX_UNAUTHENTICATED = 64;
export const MAX_UNAUTHENTICATED_PER_SOURCE = 32;
/** Every connection at once, authenticated or not: a bound on the descriptors a peer spends. */
export const MAX_SOCKETS = MAX_CONNECTIONS + MAX_UNAUTHENTICATED;
/** How long reading one request's body may take once it has been accepted. */
export const BODY_TIMEOUT_MS = 30_000;
/** How long a connection may stay open without sending a request. */
export const IDLE_CONNECTION_MS = 5_000;

export type ControlHandler = (body: unknown) => Promise<unknown> | unknown;

/** Event streams (`monitor`) open at once; each also holds one of the MAX_CONNECTIONS. */
export const MAX_STREAMS = 16;
/** Bytes a stream may have waiting for a slow reader; past it, lines are dropped (and counted). */
export const STREAM_BACKLOG_BYTES = 64 * 1024;
/** How long a stream may keep losing lines (no gap this long between losses) before it is closed. */
export const STREAM_STALL_MS = 30_000;
/** A stream sends a keep-alive line this often, so its reader can tell a live, quiet peer from a dead one. */
export const STREAM_KEEPALIVE_MS = 10_000;

/** An open event stream to one client (control.md §6.5). */
export interface StreamSink {
  /** Sends one value as a signed line; false when it was dropped because the reader is behind, or the stream is closed. */
  send(value: unknown): boolean;
  /** Ends the stream. */
  end(): void;
  /** `fn` runs once when the stream ends, whatever the reason (the reader left, the server stops, `end()`). */
  onClose(fn: () => void): void;
}

/**
 * A streaming operation: checks the request (throwing a ControlRefusal refuses it as any
 * operation's would) and returns what starts the stream once its head is sent.
 */
export type StreamHandler = (body: unknown) => (sink: StreamSink) => void;

/**
 * An error a handler throws to answer with a code and a status: a catalogue entry and its
 * parameters, or (`new ControlRefusal(code, text, status)`) text already formatted under a code.
 */
export class ControlRefusal extends FrogError {
  readonly status: number;

  constructor(entry: MessageEntry, params: Record<string, unknown>, status?: number);
  constructor(code: string, message: string, status?: number);
  constructor(first: MessageEntry | string, second: Record<string, unknown> | string, status = 400) {
    super(typeof first === 'string' ? relayedEntry(first, Messages.ControlFailed) : first, typeof second === 'string' ? { message: second } : second);
    this.status = status;
  }
}

export interface ControlServerOptions {
  key: GroupKey;
  /** `host:port`; default 127.0.0.1:7420. */
  listen?: string;
  maxBody?: number;
  now?: () => number;
  /** Time allowed to read an accepted request's body (default BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
  /** Where every request's operation and outcome are counted. */
  metrics?: MetricsSink;
  /** How often an idle stream sends a keep-alive line (default STREAM_KEEPALIVE_MS). */
  streamKeepaliveMs?: number;
}

export interface RefusalCounters {
  [reason: string]: number;
}

/** What the headers of an acceptable request say. */
interface Head {
  nonce: string;
  digest: string;
  length: number;
}

interface Refusal {
  status: number;
  code: string;
  reason: string;
  /** Set once the request is authenticated: the refusal is then signed. */
  nonce?: string;
}

export class ControlServer {
  private readonly handlers = new Map<string, ControlHandler>();
  private readonly streams = new Map<string, StreamHandler>();
  /** The operation each answer belongs to, for the metrics. */
  private readonly operationOf = new WeakMap<ServerResponse, string>();
  private openStreams = 0;
  private readonly nonces = new NonceCache();
  private server?: Server;
  /** When this run started listening: requests signed earlier are replays (or a clock behind ours). */
  private startedAt = Number.POSITIVE_INFINITY;
  readonly refused: RefusalCounters = {};

  constructor(private readonly options: ControlServerOptions) {}

  route(operation: string, handler: ControlHandler): this {
    this.handlers.set(operation, handler);
    return this;
  }

  /** Registers a streaming operation: its answer is a stream of signed lines (control.md §6.5). */
  stream(operation: string, handler: StreamHandler): this {
    this.streams.set(operation, handler);
    return this;
  }

  /** Event streams open now. */
  get streamCount(): number {
    return this.openStreams;
  }

  /** Starts listening; resolves with the bound address (`host:port`). */
  async start(): Promise<string> {
    const [host, portText] = splitAddress(this.options.listen ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`);
    // Timeouts are enforced every second (Node's default check runs every 30 s).
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => void this.handle(req, res, false));
    // A client that sends `Expect: 100-continue` is told to send its body only once its headers pass.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res, true));
    // Slow or idle clients cannot hold the peer's resources for long, nor too many at once.
    server.headersTimeout = 5_000;
    server.requestTimeout = (this.options.bodyTimeoutMs ?? BODY_TIMEOUT_MS) + 10_000;
    server.keepAliveTimeout = 5_000;
    // A connection that sends no request is closed (Node's headersTimeout starts only with the
    // first byte); a request's arrival lifts this, its own timeouts and keep-alive take over.
    server.on('connection', (socket: Socket) => {
      socket.setTimeout(IDLE_CONNECTION_MS, () => socket.destroy());
      this.idle.add(socket);
      this.admit(socket);
    });
    this.idle.start();
    this.server = server;
    this.startedAt = (this.options.now ?? Date.now)();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(portText), host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return `${address.address}:${address.port}`;
  }

  /** Closes connections that send no request in time, even when their own timers do not fire. */
  private readonly idle = new IdleSweeper(IDLE_CONNECTION_MS);

  /** Connections not yet authenticated, oldest first, and those that are. */
  private readonly unauthenticated = new Set<Socket>();
  private readonly authenticated = new Set<Socket>();

  /** Connections open now: those that sent an authenticated request, and the others. */
  get connections(): { authenticated: number; unauthenticated: number } {
    return { authenticated: this.authenticated.size, unauthenticated: this.unauthenticated.size };
  }

  /** Takes a new connection in as unauthenticated, closing the oldest such one past a limit. */
  private admit(socket: Socket): void {
    socket.once('close', () => {
      this.unauthenticated.delete(socket);
      this.authenticated.delete(socket);
    });
    if (this.authenticated.size >= MAX_CONNECTIONS && this.unauthenticated.size >= MAX_UNAUTHENTICATED) {
      this.count('connection-limit');
      socket.destroy();
      return;
    }
    const source = socket.remoteAddress ?? '';
    let fromSource = 0;
    let oldestFromSource: Socket | undefined;
    for (const s of this.unauthenticated) {
      if ((s.remoteAddress ?? '') !== source) continue;
      fromSource++;
      oldestFromSource ??= s;
    }
    if (fromSource >= MAX_UNAUTHENTICATED_PER_SOURCE && oldestFromSource) this.evict(oldestFromSource);
    else if (this.unauthenticated.size >= MAX_UNAUTHENTICATED) this.evict(this.unauthenticated.values().next().value!);
    this.unauthenticated.add(socket);
  }

  private evict(socket: Socket): void {
    this.unauthenticated.delete(socket);
    this.count('evicted');
    socket.destroy();
  }

  /** The connection carried an authenticated request: it is no longer a candidate for eviction. */
  private authenticate(socket: Socket): boolean {
    if (this.authenticated.has(socket)) return true;
    if (this.authenticated.size >= MAX_CONNECTIONS) return false;
    this.unauthenticated.delete(socket);
    this.authenticated.add(socket);
    return true;
  }

  private count(reason: string): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.idle.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(res: ServerResponse, status: number, code: string, reason: string, nonce?: string, close = false): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
    this.answer(res, status, { error: { code, reason } }, nonce, 'application/json', close);
  }

  /** Refuses a request whose body was not read: the connection is closed after the answer, so the body is never read. */
  private refuseUnread(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
    // What already arrived is discarded, not kept; nothing more is read once the answer is sent.
    req.resume();
    this.refuse(res, r.status, r.code, r.reason, r.nonce, true);
  }

  private answer(res: ServerResponse, status: number, value: unknown, nonce: string | undefined, type: string, close = false): void {
    const error = (value as { error?: { code?: string } } | null)?.error;
    (this.options.metrics ?? NO_METRICS).controlRequest(this.operationOf.get(res) ?? 'other', status === 200 && !error ? 'ok' : (error?.code ?? String(status)));
    const body = type === 'application/msgpack' ? pack(value) : Buffer.from(JSON.stringify(value));
    const headers: Record<string, string | number> = { 'content-type': type, 'content-length': body.length };
    if (close) headers.connection = 'close';
    if (nonce) headers[HEADER_SIGNATURE] = answerSignature(this.options.key, nonce, status, body);
    if (!res.headersSent) res.writeHead(status, headers);
    res.end(body);
  }

  /**
   * Checks everything the headers say, before any of the body is read: the signature (over
   * method, path, target, time, nonce and body digest), the declared length, the clock window,
   * the start of this run, the target and the nonce. The nonce is remembered only once the
   * signature is verified, so that nobody without the key can fill the cache or burn nonces.
   */
  private checkHead(req: IncomingMessage, path: string): Head | Refusal {
    const header = (name: string): string => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : '';
    };
    const time = header(HEADER_TIME);
    const nonce = header(HEADER_NONCE);
    const signature = header(HEADER_SIGNATURE);
    const target = header(HEADER_TARGET);
    const digest = header(HEADER_BODY_DIGEST);
    if (!/^\d{1,16}$/.test(time) || !/^[0-9a-f]{32}$/.test(nonce) || !/^[0-9a-f]{64}$/.test(digest) || !target || target.length > 64 || !/^[0-9a-f]{16,128}$/.test(signature)) {
      return { status: 401, code: Messages.ControlUnsigned.code, reason: formatMessage(Messages.ControlUnsigned) };
    }
    const here = canonicalTarget(req.socket.localAddress, req.socket.localPort);
    const expected = requestSignature(this.options.key, { method: 'POST', path, target, time, nonce, digest });
    if (!sameSignature(signature, expected)) {
      return { status: 401, code: Messages.ControlBadSignature.code, reason: formatMessage(Messages.ControlBadSignature, { peer: here ?? '?' }) };
    }
    // Authenticated from here on: refusals are signed for the client.
    const maxBody = this.options.maxBody ?? DEFAULT_MAX_BODY;
    const lengthText = header('content-length');
    if (!/^\d{1,16}$/.test(lengthText)) {
      return { status: 411, code: Messages.ControlTooLarge.code, reason: formatMessage(Messages.ControlTooLarge, { max: maxBody, found: 'none' }), nonce };
    }
    const length = Number(lengthText);
    if (length > maxBody) return { status: 413, code: Messages.ControlTooLarge.code, reason: formatMessage(Messages.ControlTooLarge, { max: maxBody, found: length }), nonce };
    const now = (this.options.now ?? Date.now)();
    const signedAt = Number(time);
    if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
      return { status: 401, code: Messages.ControlStale.code, reason: formatMessage(Messages.ControlStale, { seconds: MAX_SKEW_MS / 1000 }), nonce };
    }
    if (signedAt < this.startedAt) {
      return {
        status: 401,
        code: Messages.ControlBeforeStart.code,
        reason: formatMessage(Messages.ControlBeforeStart, {
          signed: new Date(signedAt).toISOString(),
          started: new Date(this.startedAt).toISOString(),
          behind: this.startedAt - signedAt,
        }),
        nonce,
      };
    }
    if (target !== here) {
      return { status: 421, code: Messages.ControlWrongTarget.code, reason: formatMessage(Messages.ControlWrongTarget, { signed: target, here: here ?? '?' }), nonce };
    }
    if (!this.nonces.remember(nonce, now)) {
      return { status: 401, code: Messages.ControlReplay.code, reason: formatMessage(Messages.ControlReplay), nonce };
    }
    return { nonce, digest, length };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    req.socket.setTimeout(0);
    this.idle.served(req.socket);
    try {
      const url = req.url ?? '';
      const match = /^\/v1\/([a-z][a-z-]*)$/.exec(url);
      if (req.method !== 'POST' || !match) {
        const operation = `${req.method} ${url.slice(0, 100)}`;
        return this.refuseUnread(req, res, { status: 404, code: Messages.ControlNoOperation.code, reason: formatMessage(Messages.ControlNoOperation, { operation }) });
      }
      if (this.handlers.has(match[1]!) || this.streams.has(match[1]!)) this.operationOf.set(res, match[1]!);
      const head = this.checkHead(req, url);
      if ('code' in head) return this.refuseUnread(req, res, head);
      const nonce = head.nonce;
      if (!this.authenticate(req.socket)) {
        return this.refuseUnread(req, res, { status: 503, code: Messages.ControlBusy.code, reason: formatMessage(Messages.ControlBusy, { max: MAX_CONNECTIONS }), nonce });
      }
      if (expectsContinue) res.writeContinue();
      const read = await readBody(req, head.length, this.options.bodyTimeoutMs ?? BODY_TIMEOUT_MS);
      if (read === 'timeout' || read === 'aborted') {
        this.refused[read] = (this.refused[read] ?? 0) + 1;
        req.socket.destroy();
        return;
      }
      if (read === 'too-large') {
        return this.refuse(res, 413, Messages.ControlBodyTooLong.code, formatMessage(Messages.ControlBodyTooLong, { length: head.length }), nonce, true);
      }
      const body = read;
      if (bodyDigest(body) !== head.digest) {
        const here = canonicalTarget(req.socket.localAddress, req.socket.localPort) ?? '?';
        return this.refuse(res, 401, Messages.ControlBadSignature.code, formatMessage(Messages.ControlBadSignature, { peer: here }), nonce);
      }
      const type = String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
      let value: unknown;
      try {
        value = body.length === 0 ? {} : type === 'application/msgpack' ? unpack(body) : JSON.parse(body.toString('utf8'));
      } catch (e) {
        const format = type === 'application/msgpack' ? 'msgpack' : 'JSON';
        return this.refuse(res, 400, Messages.ControlBadBody.code, formatMessage(Messages.ControlBadBody, { format }), nonce);
      }
      const streaming = this.streams.get(match[1]!);
      if (streaming) return this.openStream(req, res, streaming, value, nonce);
      const handler = this.handlers.get(match[1]!);
      if (!handler) return this.refuse(res, 404, Messages.ControlNoOperation.code, formatMessage(Messages.ControlNoOperation, { operation: match[1] }), nonce);
      let result: unknown;
      try {
        result = await handler(value);
      } catch (e) {
        if (e instanceof ControlRefusal) return this.refuse(res, e.status, e.code, e.message, nonce);
        return this.refuse(res, 500, Messages.ControlFailed.code, formatMessage(Messages.ControlFailed, { reason: e instanceof Error ? e.message : String(e) }), nonce);
      }
      this.answer(res, 200, { result: result ?? null }, nonce, type === 'application/msgpack' ? 'application/msgpack' : 'application/json');
    } catch (e) {
      // Anything unexpected in the plumbing: answer if we still can, never crash the peer.
      try {
        this.refuse(res, 500, Messages.ControlUnhandled.code, formatMessage(Messages.ControlUnhandled, { reason: e instanceof Error ? e.message : String(e) }), undefined, true);
      } catch {
        res.destroy();
      }
    }
  }

  /**
   * Answers a streaming operation: the head (status 200, signed over an empty body), then one
   * line per value, `<signature> <json>`, each signed with the request's nonce and its number.
   * A reader that falls behind by STREAM_BACKLOG_BYTES loses lines, counted and announced as
   * `{"dropped":n}` once it catches up; one that stays behind for STREAM_STALL_MS is
   * disconnected. Nothing is buffered without bound.
   */
  private openStream(req: IncomingMessage, res: ServerResponse, handler: StreamHandler, body: unknown, nonce: string): void {
    if (this.openStreams >= MAX_STREAMS) {
      return this.refuse(res, 503, Messages.MonitorBusy.code, formatMessage(Messages.MonitorBusy, { max: MAX_STREAMS }), nonce);
    }
    let start: (sink: StreamSink) => void;
    try {
      start = handler(body);
    } catch (e) {
      if (e instanceof ControlRefusal) return this.refuse(res, e.status, e.code, e.message, nonce);
      return this.refuse(res, 500, Messages.ControlFailed.code, formatMessage(Messages.ControlFailed, { reason: e instanceof Error ? e.message : String(e) }), nonce);
    }
    (this.options.metrics ?? NO_METRICS).controlRequest(this.operationOf.get(res) ?? 'other', 'ok');
    this.openStreams++;
    const key = this.options.key;
    let seq = 0;
    let dropped = 0;
    // Losing lines since (0: keeping up), and the last loss: see the HTTP listener's event streams.
    let losingSince = 0;
    let lastLoss = 0;
    let closed = false;
    const closers: (() => void)[] = [];
    const keepaliveMs = this.options.streamKeepaliveMs ?? STREAM_KEEPALIVE_MS;
    const write = (value: unknown): boolean => {
      const line = JSON.stringify(value);
      res.write(`${streamLineSignature(key, nonce, seq++, line)} ${line}\n`);
      return true;
    };
    const sink: StreamSink = {
      send: (value) => {
        if (closed) return false;
        const now = Date.now();
        if (losingSince && now - lastLoss > STREAM_STALL_MS) losingSince = 0;
        if (res.writableLength > STREAM_BACKLOG_BYTES) {
          dropped++;
          if (!losingSince) losingSince = now;
          lastLoss = now;
          if (now - losingSince > STREAM_STALL_MS && !res.destroyed) {
            this.count('stream-stalled');
            res.destroy();
          }
          return false;
        }
        if (dropped) {
          write({ dropped });
          dropped = 0;
        }
        return write(value);
      },
      end: () => {
        if (!closed) res.end();
      },
      onClose: (fn) => {
        if (closed) fn();
        else closers.push(fn);
      },
    };
    const keepalive = setInterval(() => sink.send({ keepalive: Date.now() }), keepaliveMs);
    keepalive.unref();
    res.once('close', () => {
      if (closed) return;
      closed = true;
      this.openStreams--;
      clearInterval(keepalive);
      for (const fn of closers.splice(0)) {
        try {
          fn();
        } catch {
          // a closer's failure does not keep the others from running
        }
      }
    });
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      [HEADER_SIGNATURE]: answerSignature(key, nonce, 200, Buffer.alloc(0)),
    });
    res.flushHeaders();
    try {
      start(sink);
    } catch {
      res.end();
    }
  }
}

/** The body, at most `length` bytes (the declared length) and within `timeoutMs`. */
function readBody(req: IncomingMessage, length: number, timeoutMs: number): Promise<Buffer | 'too-large' | 'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | 'too-large' | 'timeout' | 'aborted') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > length) {
        req.resume();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(size === length ? Buffer.concat(chunks) : 'aborted'));
    req.on('error', () => finish('aborted'));
    req.on('aborted', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

export function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  if (at <= 0) return [address || '127.0.0.1', String(DEFAULT_CONTROL_PORT)];
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), address.slice(at + 1)];
}
