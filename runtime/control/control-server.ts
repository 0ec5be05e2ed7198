/**
 * The peer's control API: HTTP on loopback unless configured otherwise, every request
 * authenticated with the group key (see signing.ts), bodies in JSON or msgpack and bounded
 * in size. Operations are registered by name (`POST /v1/<operation>`); a handler gets the
 * decoded body and returns the answer. A bad request gets a clear refusal with a code and a
 * reason, never a crash; a handler's failure is an error answer with its message only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pack, unpack } from 'msgpackr';
import type { GroupKey } from '../group/authenticated-transport.js';
import {
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIME,
  MAX_SKEW_MS,
  NonceCache,
  answerSignature,
  requestSignature,
  sameSignature,
} from './signing.js';

export const DEFAULT_CONTROL_PORT = 7420;
export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

export type ControlHandler = (body: unknown) => Promise<unknown> | unknown;

/** An error a handler throws to answer with a code and a status. */
export class ControlRefusal extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface ControlServerOptions {
  key: GroupKey;
  /** `host:port`; default 127.0.0.1:7420. */
  listen?: string;
  maxBody?: number;
  now?: () => number;
}

export interface RefusalCounters {
  [reason: string]: number;
}

export class ControlServer {
  private readonly handlers = new Map<string, ControlHandler>();
  private readonly nonces = new NonceCache();
  private server?: Server;
  readonly refused: RefusalCounters = {};

  constructor(private readonly options: ControlServerOptions) {}

  route(operation: string, handler: ControlHandler): this {
    this.handlers.set(operation, handler);
    return this;
  }

  /** Starts listening; resolves with the bound address (`host:port`). */
  async start(): Promise<string> {
    const [host, portText] = splitAddress(this.options.listen ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`);
    const server = createServer((req, res) => void this.handle(req, res));
    // Slow or idle clients cannot hold the peer's resources for long, nor too many at once.
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
    server.maxConnections = 512;
    this.server = server;
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

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(res: ServerResponse, status: number, code: string, reason: string, nonce?: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
    this.answer(res, status, { error: { code, reason } }, nonce, 'application/json');
  }

  private answer(res: ServerResponse, status: number, value: unknown, nonce: string | undefined, type: string): void {
    const body = type === 'application/msgpack' ? pack(value) : Buffer.from(JSON.stringify(value));
    const headers: Record<string, string | number> = { 'content-type': type, 'content-length': body.length };
    if (nonce) headers[HEADER_SIGNATURE] = answerSignature(this.options.key, nonce, status, body);
    if (!res.headersSent) res.writeHead(status, headers);
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = req.url ?? '';
      const match = /^\/v1\/([a-z][a-z-]*)$/.exec(url);
      if (req.method !== 'POST' || !match) {
        req.resume();
        return this.refuse(res, 404, 'SF4301', `No operation at ${req.method} ${url.slice(0, 100)}.`);
      }
      const maxBody = this.options.maxBody ?? DEFAULT_MAX_BODY;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) {
        req.resume();
        return this.refuse(res, 413, 'SF4302', `The request body is larger than ${maxBody} bytes.`);
      }
      const body = await readBody(req, maxBody);
      if (!body) return this.refuse(res, 413, 'SF4302', `The request body is larger than ${maxBody} bytes.`);

      const time = String(req.headers[HEADER_TIME] ?? '');
      const nonce = String(req.headers[HEADER_NONCE] ?? '');
      const signature = String(req.headers[HEADER_SIGNATURE] ?? '');
      if (!time || !/^[0-9a-f]{32}$/.test(nonce) || !signature) {
        return this.refuse(res, 401, 'SF4303', 'The request is not signed with the group key.');
      }
      const expected = requestSignature(this.options.key, 'POST', url, time, nonce, body);
      if (!sameSignature(signature, expected)) {
        return this.refuse(res, 401, 'SF4304', 'The request signature does not match: wrong group key or altered request.');
      }
      const now = (this.options.now ?? Date.now)();
      if (!/^\d+$/.test(time) || Math.abs(now - Number(time)) > MAX_SKEW_MS) {
        return this.refuse(res, 401, 'SF4305', `The request timestamp is more than ${MAX_SKEW_MS / 1000} s from this peer's clock.`, nonce);
      }
      if (!this.nonces.remember(nonce, now)) {
        return this.refuse(res, 401, 'SF4306', 'The request was already received (replayed nonce).', nonce);
      }
      const type = String(req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
      let value: unknown;
      try {
        value = body.length === 0 ? {} : type === 'application/msgpack' ? unpack(body) : JSON.parse(body.toString('utf8'));
      } catch (e) {
        return this.refuse(res, 400, 'SF4307', `The request body is not valid ${type === 'application/msgpack' ? 'msgpack' : 'JSON'}.`, nonce);
      }
      const handler = this.handlers.get(match[1]);
      if (!handler) return this.refuse(res, 404, 'SF4301', `Unknown operation \`${match[1]}\`.`, nonce);
      let result: unknown;
      try {
        result = await handler(value);
      } catch (e) {
        if (e instanceof ControlRefusal) return this.refuse(res, e.status, e.code, e.message, nonce);
        return this.refuse(res, 500, 'SF4308', `The operation failed: ${e instanceof Error ? e.message : String(e)}`, nonce);
      }
      this.answer(res, 200, { result: result ?? null }, nonce, type === 'application/msgpack' ? 'application/msgpack' : 'application/json');
    } catch (e) {
      // Anything unexpected in the plumbing: answer if we still can, never crash the peer.
      try {
        this.refuse(res, 500, 'SF4308', `The request could not be handled: ${e instanceof Error ? e.message : String(e)}`);
      } catch {
        res.destroy();
      }
    }
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', () => {
      if (!done) resolve(undefined);
    });
  });
}

export function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  if (at <= 0) return [address || '127.0.0.1', String(DEFAULT_CONTROL_PORT)];
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), address.slice(at + 1)];
}
