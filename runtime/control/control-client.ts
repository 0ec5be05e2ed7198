/**
 * A client of a peer's control API: signs each request with the group key and checks the
 * answer's signature, so that neither side trusts anything outside the group.
 *
 * The client connects first and signs afterwards: the signed target is the address and port
 * its socket actually reached (the host name resolved by the connection itself), so that the
 * request is good for that peer only (see signing.ts). Bodies over EXPECT_CONTINUE_BYTES are
 * sent after the server's `100 Continue`, so a refusal of the headers (stale clock, wrong
 * target, too large) reaches the client as an answer instead of a reset connection.
 */
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { pack, unpack } from 'msgpackr';
import { FrogError, relayedEntry } from '../../core/errors.js';
import { Messages, type MessageEntry } from '../../core/messages/index.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import { HEADER_NONCE, HEADER_SIGNATURE, answerSignature, canonicalTarget, sameSignature, signedHeaders, streamLineSignature } from './signing.js';
import { DEFAULT_CONTROL_PORT, splitAddress } from './control-server.js';

/**
 * A failed control request: a catalogue entry and its parameters, or (`new ControlError(code,
 * reason, status)`) a peer's refusal relayed as the peer wrote it, under its code. `hint` is the
 * catalogue's for that code.
 */
export class ControlError extends FrogError {
  readonly status: number | undefined;

  constructor(entry: MessageEntry, params: Record<string, unknown>, status?: number);
  constructor(code: string, reason: string, status?: number);
  constructor(first: MessageEntry | string, second: Record<string, unknown> | string, status?: number) {
    super(typeof first === 'string' ? relayedEntry(first, Messages.ControlFailed) : first, typeof second === 'string' ? { message: second } : second);
    this.status = status;
  }

  /** The message: what the CLI prints after the code. */
  get reason(): string {
    return this.message;
  }
}

export interface ControlRequestOptions {
  /** `host:port` of the peer; default 127.0.0.1:7420. */
  peer?: string;
  key: GroupKey;
  operation: string;
  body?: unknown;
  format?: 'json' | 'msgpack';
  timeoutMs?: number;
  now?: () => number;
}

const MAX_ANSWER = 64 * 1024 * 1024;
/** Bodies larger than this wait for the server's `100 Continue` before they are sent. */
export const EXPECT_CONTINUE_BYTES = 8 * 1024;

export function controlRequest<T = unknown>(o: ControlRequestOptions): Promise<T> {
  const [host, port] = splitAddress(o.peer ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`);
  const path = `/v1/${o.operation}`;
  const format = o.format ?? 'json';
  const body = format === 'msgpack' ? pack(o.body ?? {}) : Buffer.from(JSON.stringify(o.body ?? {}));
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const socket = connect({ host, port: Number(port) });
    const settle = (error: ControlError | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(value as T);
    };
    const unreachable = (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'no peer is listening there (is `frog peer` running?)' : e.message;
      settle(new ControlError(Messages.ControlUnreachable, { peer: `${host}:${port}`, reason: why }));
    };
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')));
    socket.on('error', unreachable);
    socket.once('connect', () => {
      const target = canonicalTarget(socket.remoteAddress, socket.remotePort);
      if (!target) return unreachable(new Error('the connection closed at once'));
      const auth = signedHeaders(o.key, path, target, body, String((o.now ?? Date.now)()));
      const nonce = auth[HEADER_NONCE]!;
      const expect = body.length > EXPECT_CONTINUE_BYTES;
      const headers: Record<string, string | number> = {
        'content-type': format === 'msgpack' ? 'application/msgpack' : 'application/json',
        'content-length': body.length,
        ...auth,
        ...(expect ? { expect: '100-continue' } : {}),
      };
      const readAnswer = (res: IncomingMessage, done: (error: ControlError | undefined, value?: unknown) => void) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER) done(new ControlError(Messages.ControlBadAnswer, { peer: `${host}:${port}`, reason: 'it is too large' }));
          else chunks.push(c);
        });
        res.on('error', (e) => done(new ControlError(Messages.ControlBadAnswer, { peer: `${host}:${port}`, reason: `reading it failed: ${e.message}` })));
        res.on('close', () => {
          if (!res.complete) done(new ControlError(Messages.ControlBadAnswer, { peer: `${host}:${port}`, reason: 'it was cut off' }));
        });
        res.on('end', () => {
          const answer = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          const signature = String(res.headers[HEADER_SIGNATURE] ?? '');
          let value: { result?: unknown; error?: { code: string; reason: string } };
          try {
            value = String(res.headers['content-type']).startsWith('application/msgpack') ? unpack(answer) : JSON.parse(answer.toString('utf8'));
          } catch {
            return done(new ControlError(Messages.ControlBadAnswer, { peer: `${host}:${port}`, reason: `status ${status}` }, status));
          }
          if (!signature || !sameSignature(signature, answerSignature(o.key, nonce, status, answer))) {
            // A peer of another group refuses our signature and signs its answer with its own key.
            if (value?.error?.code === Messages.ControlBadSignature.code) {
              return done(new ControlError(Messages.ControlBadSignature, { peer: `${host}:${port}` }, status));
            }
            const said = value?.error?.reason ? `; it says: ${value.error.reason}` : '';
            return done(new ControlError(Messages.ControlUnsignedAnswer, { peer: `${host}:${port}`, said }, status));
          }
          if (status !== 200 || value.error) {
            return done(new ControlError(value.error?.code ?? Messages.ControlFailed.code, value.error?.reason ?? `status ${status}`, status));
          }
          done(undefined, value.result);
        });
      };
      // No `agent`: with one (even `agent: false`) Node opens a connection of its own and never
      // calls createConnection; the request must travel on the socket whose address it signed.
      const req = request({ host, port: Number(port), path, method: 'POST', headers, createConnection: () => socket }, (res) =>
        readAnswer(res, (error, value) => settle(error, value as T)),
      );
      req.on('error', unreachable);
      if (expect) {
        req.flushHeaders();
        req.on('continue', () => req.end(body));
      } else req.end(body);
    });
  });
}

/** How a stream ended: `close()` was called (no error), or the peer went away, refused or broke it. */
export interface StreamEnd {
  error?: ControlError;
}

export interface ControlStreamOptions {
  peer?: string;
  key: GroupKey;
  operation: string;
  body?: unknown;
  /** Each value the peer sends, in order, once its line's signature is checked. */
  onValue(value: unknown): void;
  /** The stream is open (the head arrived, signed). */
  onOpen?(): void;
  /** How long the stream may stay silent (no line, not even a keep-alive) before the peer is taken for gone (default 35 s). */
  idleMs?: number;
  /** How long connecting and the head may take (default 10 s). */
  connectTimeoutMs?: number;
  now?: () => number;
}

export interface ControlStream {
  /** Resolves once the stream has ended, with the error that ended it if any. */
  readonly ended: Promise<StreamEnd>;
  /** Ends the stream from this side. */
  close(): void;
}

/** The longest line a stream may send: far above any event, a bound on what a reader buffers. */
const MAX_STREAM_LINE = 1024 * 1024;

/**
 * Opens a streaming operation (control.md §6.5): the request is signed like any other, the
 * answer's head is signed over an empty body, and every line `<signature> <json>` is checked
 * against the request's nonce and its number, so a forged, reordered or missing line ends the
 * stream with SF4329. The peer going away (the connection closes, or it stays silent past
 * `idleMs`) ends it with SF4330; a refusal ends it with the refusal's code.
 */
export function controlStream(o: ControlStreamOptions): ControlStream {
  const [host, port] = splitAddress(o.peer ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`);
  const where = `${host}:${port}`;
  const path = `/v1/${o.operation}`;
  const body = Buffer.from(JSON.stringify(o.body ?? {}));
  const idleMs = o.idleMs ?? 35_000;
  let finish!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (finish = resolve));
  let done = false;
  const socket = connect({ host, port: Number(port) });
  let idle: NodeJS.Timeout | undefined;
  const settle = (error?: ControlError) => {
    if (done) return;
    done = true;
    clearTimeout(idle);
    socket.destroy();
    finish(error ? { error } : {});
  };
  const quiet = () => {
    clearTimeout(idle);
    idle = setTimeout(() => settle(new ControlError(Messages.StreamEnded, { peer: where, reason: `it has sent nothing for ${Math.round(idleMs / 1000)} s` })), idleMs);
  };
  socket.setTimeout(o.connectTimeoutMs ?? 10_000, () => socket.destroy(new Error('timed out')));
  socket.on('error', (e: NodeJS.ErrnoException) => {
    const why = e.code === 'ECONNREFUSED' ? 'no peer is listening there (is `frog peer` running?)' : e.message;
    settle(new ControlError(Messages.ControlUnreachable, { peer: where, reason: why }));
  });
  socket.once('connect', () => {
    const target = canonicalTarget(socket.remoteAddress, socket.remotePort);
    if (!target) return settle(new ControlError(Messages.ControlUnreachable, { peer: where, reason: 'the connection closed at once' }));
    const auth = signedHeaders(o.key, path, target, body, String((o.now ?? Date.now)()));
    const nonce = auth[HEADER_NONCE]!;
    const headers = { 'content-type': 'application/json', 'content-length': body.length, ...auth };
    const req = request({ host, port: Number(port), path, method: 'POST', headers, createConnection: () => socket }, (res) => {
      const status = res.statusCode ?? 0;
      const signature = String(res.headers[HEADER_SIGNATURE] ?? '');
      if (status !== 200) {
        // A refusal: a whole JSON answer, signed like any other.
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1024 * 1024) chunks.push(c);
        });
        res.on('end', () => {
          const answer = Buffer.concat(chunks);
          let value: { error?: { code: string; reason: string } } | undefined;
          try {
            value = JSON.parse(answer.toString('utf8'));
          } catch {
            return settle(new ControlError(Messages.ControlBadAnswer, { peer: where, reason: `status ${status}` }, status));
          }
          if (!signature || !sameSignature(signature, answerSignature(o.key, nonce, status, answer))) {
            if (value?.error?.code === Messages.ControlBadSignature.code) return settle(new ControlError(Messages.ControlBadSignature, { peer: where }, status));
            const said = value?.error?.reason ? `; it says: ${value.error.reason}` : '';
            return settle(new ControlError(Messages.ControlUnsignedAnswer, { peer: where, said }, status));
          }
          settle(new ControlError(value?.error?.code ?? Messages.ControlFailed.code, value?.error?.reason ?? `status ${status}`, status));
        });
        res.on('error', () => settle(new ControlError(Messages.ControlBadAnswer, { peer: where, reason: 'it was cut off' })));
        return;
      }
      if (!signature || !sameSignature(signature, answerSignature(o.key, nonce, 200, Buffer.alloc(0)))) {
        return settle(new ControlError(Messages.ControlUnsignedAnswer, { peer: where, said: '' }, status));
      }
      socket.setTimeout(0);
      o.onOpen?.();
      quiet();
      let seq = 0;
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done) return;
        quiet();
        pending += chunk;
        let at: number;
        while (!done && (at = pending.indexOf('\n')) >= 0) {
          const frame = pending.slice(0, at);
          pending = pending.slice(at + 1);
          const space = frame.indexOf(' ');
          const line = frame.slice(space + 1);
          if (space <= 0 || !sameSignature(frame.slice(0, space), streamLineSignature(o.key, nonce, seq, line))) {
            return settle(new ControlError(Messages.StreamBroken, { peer: where, reason: `line ${seq} is not signed for this stream` }));
          }
          seq++;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            return settle(new ControlError(Messages.StreamBroken, { peer: where, reason: `line ${seq - 1} is not JSON` }));
          }
          try {
            o.onValue(value);
          } catch {
            // the consumer's failure is its own; the stream goes on
          }
        }
        if (pending.length > MAX_STREAM_LINE) settle(new ControlError(Messages.StreamBroken, { peer: where, reason: 'a line is longer than 1 MiB' }));
      });
      res.on('end', () => settle(new ControlError(Messages.StreamEnded, { peer: where, reason: 'it closed the stream' })));
      res.on('close', () => settle(new ControlError(Messages.StreamEnded, { peer: where, reason: 'the connection closed' })));
      res.on('error', () => settle(new ControlError(Messages.StreamEnded, { peer: where, reason: 'the connection was reset' })));
    });
    req.on('error', (e) => settle(new ControlError(Messages.ControlUnreachable, { peer: where, reason: e.message })));
    req.end(body);
  });
  return { ended, close: () => settle() };
}
