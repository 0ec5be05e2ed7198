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
import { HEADER_NONCE, HEADER_SIGNATURE, answerSignature, canonicalTarget, sameSignature, signedHeaders } from './signing.js';
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
