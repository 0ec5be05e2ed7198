/**
 * The peer's HTTP listener (docs/design/control.md §13): read-only endpoints for operators,
 * monitoring systems and a web page (§13.1). Off unless `frog peer --http ADDR:PORT` asks for
 * it; on loopback it is open to the machine, beyond loopback it must have a bearer token (the
 * listener refuses to start without one, SF4320), and with a token every request must carry it.
 *
 * - `GET /metrics`: the peer's metrics in the Prometheus text format;
 * - `GET /api/status`: the group as this peer sees it and every application (the control
 *   protocol's `status` with `all`);
 * - `GET /api/events[?app=NAME][&peer=NAME]`: server-sent events, one per membership or
 *   lifecycle event of this peer;
 * - `GET /api/query?name=NAME`: the providers of a state-space name;
 * - `GET /` and `GET /ui/...`: the web view, a page that shows all of the above live
 *   (runtime/http/page.ts, web/). A browser may open `/?token=TOKEN` once: the listener answers
 *   with an HttpOnly, SameSite=Strict cookie holding the token and sends it on to `/`, so the
 *   token is neither kept in the address bar nor readable by the page's scripts.
 *
 * Everything is bounded: connections, event streams, the time a request may take, the bytes
 * waiting for a slow event reader (past them events are dropped and counted; a reader that stays
 * behind is disconnected), the header size. Other paths are 404, other methods 405, both with a
 * JSON error; a malformed request is answered 400 and closed. Nothing a client sends can throw
 * out of here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FrogError } from '../../core/errors.js';
import { IdleSweeper } from '../../core/idle-sweep.js';
import { Messages, formatMessage, type MessageEntry } from '../../core/messages/index.js';
import type { RuntimeEvent } from '../host/events.js';
import { loadPage, type PageAssets } from './page.js';

/** Connections open at once (event streams included). */
export const HTTP_MAX_CONNECTIONS = 64;
/** Event streams open at once. */
export const HTTP_MAX_STREAMS = 16;
/** Headers must arrive within this; a whole request (not a stream's life) too. */
export const HTTP_REQUEST_TIMEOUT_MS = 10_000;
/** Bytes an event stream may have waiting for its reader before events are dropped. */
export const HTTP_STREAM_BACKLOG_BYTES = 64 * 1024;
/** How long an event reader may keep losing events (no gap this long between losses) before it is disconnected. */
export const HTTP_STREAM_STALL_MS = 30_000;
/** An idle event stream sends a comment this often, so proxies and readers know it lives. */
export const HTTP_STREAM_KEEPALIVE_MS = 15_000;
/** A bearer token is at least this long. */
export const MIN_TOKEN_LENGTH = 16;

export const ENDPOINTS = ['/metrics', '/api/status', '/api/events', '/api/query'] as const;

/** The cookie a browser keeps the token in (set by `/?token=`). */
export const TOKEN_COOKIE = 'frog_http_token';

/** What the endpoints read: the peer, through a narrow interface. */
export interface HttpSources {
  metrics(): Promise<{ text: string; contentType: string }>;
  /** With `attributes`, each component's published attributes too (the page's "attributes on demand"). */
  status(options?: { attributes?: boolean }): Promise<unknown>;
  /** May throw a FrogError with a `status` (a refusal): it becomes a JSON error. */
  query(name: string): Promise<unknown> | unknown;
  /** The peer's events from now on; returns the function that stops them. */
  subscribe(listener: (e: RuntimeEvent) => void): () => void;
  /** Counts a request (the peer's metrics). */
  counted?(endpoint: string, status: number): void;
}

export interface HttpListenerOptions {
  /** `host:port`. */
  listen: string;
  /** The bearer token; required when `listen` is beyond loopback. */
  token?: string;
  sources: HttpSources;
  maxConnections?: number;
  maxStreams?: number;
  requestTimeoutMs?: number;
  streamBacklogBytes?: number;
  streamStallMs?: number;
  streamKeepaliveMs?: number;
  /** The web view's files; by default read from the package when the listener starts. `false`: no page. */
  page?: PageAssets | false;
}

/** The listener cannot start as configured (SF4320 to SF4322). */
export class HttpListenerError extends FrogError {
  constructor(entry: MessageEntry, params: Record<string, unknown> = {}) {
    super(entry, params);
    this.name = 'HttpListenerError';
  }
}

/** `host:port` split and checked (SF4322). IPv6 is written `[addr]:port`. */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new HttpListenerError(Messages.HttpBadAddress, { text });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Whether a host name or address is loopback only: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Checks a token read from a file (SF4321): at least MIN_TOKEN_LENGTH printable characters, no spaces. */
export function checkToken(token: string, file: string): string {
  const t = token.trim();
  if (t.length < MIN_TOKEN_LENGTH) throw new HttpListenerError(Messages.HttpBadToken, { file, reason: `it holds ${t.length} characters, fewer than ${MIN_TOKEN_LENGTH}` });
  if (!/^[\x21-\x7e]+$/.test(t)) throw new HttpListenerError(Messages.HttpBadToken, { file, reason: 'it must be one word of printable ASCII characters' });
  return t;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class HttpListener {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Closes connections that send no request in time, even when their own timers do not fire. */
  private idle?: IdleSweeper;
  private streams = 0;
  private readonly tokenDigest?: Buffer;
  private page?: PageAssets;
  /** Why there is no page (when there is none). */
  private pageMissing = 'the page is off';
  /** Events dropped for slow readers, and readers disconnected. */
  readonly counters = { dropped: 0, stalled: 0, refused: 0 };

  constructor(private readonly o: HttpListenerOptions) {
    const { host } = parseHttpAddress(o.listen);
    if (!o.token && !isLoopback(host)) throw new HttpListenerError(Messages.HttpNeedsToken, { address: o.listen });
    if (o.token) this.tokenDigest = digest(o.token);
  }

  /** Starts listening; resolves with the bound address (`host:port`). */
  async start(): Promise<string> {
    const { host, port } = parseHttpAddress(this.o.listen);
    const timeout = this.o.requestTimeoutMs ?? HTTP_REQUEST_TIMEOUT_MS;
    if (this.o.page !== false) {
      try {
        this.page = this.o.page ?? loadPage();
      } catch (e) {
        this.pageMissing = e instanceof Error ? e.message : String(e);
      }
    }
    const server = createServer({ connectionsCheckingInterval: 1_000, maxHeaderSize: 8 * 1024 }, (req, res) => void this.handle(req, res));
    server.headersTimeout = Math.min(timeout, 5_000);
    server.requestTimeout = timeout;
    server.keepAliveTimeout = 5_000;
    server.maxConnections = this.o.maxConnections ?? HTTP_MAX_CONNECTIONS;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // A connection that never sends a request is closed (headersTimeout starts with the first byte).
      socket.setTimeout(timeout, () => socket.destroy());
      this.idle?.add(socket);
    });
    this.idle = new IdleSweeper(timeout);
    this.idle.start();
    server.on('clientError', (_e: Error, socket: Socket) => {
      this.counters.refused++;
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n' + JSON.stringify(error(Messages.HttpBadRequest, { reason: 'malformed HTTP' })));
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.idle?.stop();
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private authorised(req: IncomingMessage): boolean {
    if (!this.tokenDigest) return true;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    if (m) return this.isToken(m[1]!);
    const cookie = cookieValue(String(req.headers.cookie ?? ''), TOKEN_COOKIE);
    return cookie !== undefined && this.isToken(cookie);
  }

  private isToken(given: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digest(given), this.tokenDigest);
  }

  /**
   * `GET /` and `GET /ui/...`: the web view's files, with a strict Content-Security-Policy.
   * `/?token=T` with the right token sets the cookie and redirects to `./` (without the token).
   */
  private servePage(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const endpoint = url.pathname === '/' ? '/' : '/ui';
    const token = url.pathname === '/' ? url.searchParams.get('token') : null;
    if (token !== null && this.tokenDigest) {
      if (!this.isToken(token)) return this.fail(res, endpoint, 401, Messages.WebBadToken);
      this.o.sources.counted?.(endpoint, 303);
      res.writeHead(303, {
        location: './',
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'content-length': 0,
      });
      res.end();
      return;
    }
    if (!this.authorised(req)) return this.fail(res, endpoint, 401, Messages.HttpUnauthorized, {}, { 'www-authenticate': 'Bearer' });
    if (!this.page) return this.fail(res, endpoint, 503, Messages.WebPageMissing, { reason: this.pageMissing });
    const f = this.page.files.get(url.pathname);
    if (!f) return this.fail(res, endpoint, 404, Messages.HttpNotFound, { path: url.pathname.slice(0, 100), endpoints: ['/', ...ENDPOINTS].map((e) => `\`${e}\``).join(', ') });
    const headers: Record<string, string> = {
      etag: f.etag,
      'content-security-policy': this.page.csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    };
    if (req.headers['if-none-match'] === f.etag) {
      this.o.sources.counted?.(endpoint, 304);
      res.writeHead(304, { ...headers, 'cache-control': 'no-cache' });
      res.end();
      return;
    }
    const body = f.body;
    this.o.sources.counted?.(endpoint, 200);
    res.writeHead(200, { ...headers, 'content-type': f.type, 'content-length': body.length, 'cache-control': 'no-cache' });
    res.end(body);
  }

  private send(res: ServerResponse, endpoint: string, status: number, body: string, type = 'application/json', extra: Record<string, string> = {}): void {
    this.o.sources.counted?.(endpoint, status);
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
    res.end(body);
  }

  private fail(res: ServerResponse, endpoint: string, status: number, entry: MessageEntry, params: Record<string, unknown> = {}, extra: Record<string, string> = {}): void {
    this.send(res, endpoint, status, JSON.stringify(error(entry, params)), 'application/json', extra);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let endpoint = 'other';
    try {
      req.socket.setTimeout(0);
      this.idle?.served(req.socket);
      // A GET has no body: whatever comes is read and thrown away (the request timeout bounds it).
      req.resume();
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://frog.invalid');
      } catch {
        return this.fail(res, endpoint, 400, Messages.HttpBadRequest, { reason: 'the request target is not a URL path' }, { connection: 'close' });
      }
      const path = url.pathname;
      const page = path === '/' || path.startsWith('/ui/');
      if ((ENDPOINTS as readonly string[]).includes(path)) endpoint = path;
      else if (page) endpoint = path === '/' ? '/' : '/ui';
      else return this.fail(res, endpoint, 404, Messages.HttpNotFound, { path: path.slice(0, 100), endpoints: ['/', ...ENDPOINTS].map((e) => `\`${e}\``).join(', ') });
      if (req.method !== 'GET') return this.fail(res, endpoint, 405, Messages.HttpMethod, { method: String(req.method).slice(0, 20), path: path.slice(0, 100) }, { allow: 'GET' });
      if (page) return this.servePage(req, res, url);
      if (!this.authorised(req)) return this.fail(res, endpoint, 401, Messages.HttpUnauthorized, {}, { 'www-authenticate': 'Bearer' });
      switch (path) {
        case '/metrics': {
          const m = await this.o.sources.metrics();
          return this.send(res, endpoint, 200, m.text, m.contentType);
        }
        case '/api/status':
          return this.send(res, endpoint, 200, JSON.stringify(await this.o.sources.status(url.searchParams.get('attributes') === '1' ? { attributes: true } : undefined)));
        case '/api/query': {
          const name = url.searchParams.get('name');
          if (!name) return this.fail(res, endpoint, 400, Messages.HttpBadRequest, { reason: 'give the state-space name as `?name=`' });
          return this.send(res, endpoint, 200, JSON.stringify(await this.o.sources.query(name)));
        }
        case '/api/events':
          return this.events(req, res, url);
      }
    } catch (e) {
      const status = e instanceof FrogError && typeof (e as { status?: unknown }).status === 'number' ? (e as unknown as { status: number }).status : 500;
      const body = e instanceof FrogError ? { error: { code: e.code, reason: e.message } } : error(Messages.ControlUnhandled, { reason: e instanceof Error ? e.message : String(e) });
      try {
        this.send(res, endpoint, status, JSON.stringify(body));
      } catch {
        res.destroy();
      }
    }
  }

  /** `GET /api/events`: server-sent events, filtered, bounded for slow readers. */
  private events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const max = this.o.maxStreams ?? HTTP_MAX_STREAMS;
    if (this.streams >= max) return this.fail(res, '/api/events', 503, Messages.HttpBusy, { max, what: 'event streams' });
    const app = url.searchParams.get('app') ?? undefined;
    const peer = url.searchParams.get('peer') ?? undefined;
    // `?plain=1`: every event as an unnamed message (its name is in the data's `event`), so that
    // an EventSource follows all of them with one `onmessage` (the web view does).
    const plain = url.searchParams.get('plain') === '1';
    const backlog = this.o.streamBacklogBytes ?? HTTP_STREAM_BACKLOG_BYTES;
    const stallMs = this.o.streamStallMs ?? HTTP_STREAM_STALL_MS;
    this.streams++;
    this.o.sources.counted?.('/api/events', 200);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(': frogpond events\n\n');
    let id = 0;
    let dropped = 0;
    // Losing events since (0: keeping up), and the last loss: a reader that loses events with no
    // gap of stallMs between losses for stallMs on end is behind for good.
    let losingSince = 0;
    let lastLoss = 0;
    const write = (text: string) => {
      const now = Date.now();
      if (losingSince && now - lastLoss > stallMs) losingSince = 0;
      if (res.writableLength > backlog) {
        if (!losingSince) losingSince = now;
        lastLoss = now;
        if (now - losingSince > stallMs && !res.destroyed) {
          this.counters.stalled++;
          res.destroy();
        }
        return false;
      }
      if (dropped) {
        res.write(plain ? `data: ${JSON.stringify({ event: 'dropped', dropped })}\n\n` : `event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n`);
        dropped = 0;
      }
      res.write(text);
      return true;
    };
    const off = this.o.sources.subscribe((e) => {
      if ((app !== undefined && e.app !== app) || (peer !== undefined && e.peer !== peer)) return;
      const event = /^[A-Za-z0-9_.-]{1,64}$/.test(String(e.event)) ? String(e.event) : 'event';
      if (!write(plain ? `id: ${++id}\ndata: ${JSON.stringify(e)}\n\n` : `id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(e)}\n\n`)) {
        dropped++;
        this.counters.dropped++;
      }
    });
    const keepalive = setInterval(() => write(': keep-alive\n\n'), this.o.streamKeepaliveMs ?? HTTP_STREAM_KEEPALIVE_MS);
    keepalive.unref();
    res.once('close', () => {
      this.streams--;
      clearInterval(keepalive);
      off();
    });
  }
}

/** One cookie's value from a `Cookie` header, or undefined (a value that is not valid percent-encoding is undefined). */
export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.slice(0, 8192).split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function error(entry: MessageEntry, params: Record<string, unknown>): { error: { code: string; reason: string } } {
  return { error: { code: entry.code, reason: formatMessage(entry, params) } };
}
