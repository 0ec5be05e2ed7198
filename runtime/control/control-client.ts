/**
 * A client of a peer's control API: signs each request with the group key and checks the
 * answer's signature, so that neither side trusts anything outside the group.
 */
import { request } from 'node:http';
import { pack, unpack } from 'msgpackr';
import type { GroupKey } from '../group/authenticated-transport.js';
import { HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, answerSignature, newNonce, requestSignature, sameSignature } from './signing.js';
import { DEFAULT_CONTROL_PORT, splitAddress } from './control-server.js';

export class ControlError extends Error {
  constructor(readonly code: string, readonly reason: string, readonly status?: number) {
    super(reason);
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

export function controlRequest<T = unknown>(o: ControlRequestOptions): Promise<T> {
  const [host, port] = splitAddress(o.peer ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`);
  const path = `/v1/${o.operation}`;
  const format = o.format ?? 'json';
  const body = format === 'msgpack' ? pack(o.body ?? {}) : Buffer.from(JSON.stringify(o.body ?? {}));
  const time = String((o.now ?? Date.now)());
  const nonce = newNonce();
  const headers = {
    'content-type': format === 'msgpack' ? 'application/msgpack' : 'application/json',
    'content-length': body.length,
    [HEADER_TIME]: time,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: requestSignature(o.key, 'POST', path, time, nonce, body),
  };
  return new Promise<T>((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: 'POST', headers, timeout: o.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER) {
          res.destroy();
          reject(new ControlError('SF4309', `The answer from ${host}:${port} is too large.`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const answer = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        const signature = String(res.headers[HEADER_SIGNATURE] ?? '');
        let value: { result?: unknown; error?: { code: string; reason: string } };
        try {
          value = String(res.headers['content-type']).startsWith('application/msgpack') ? unpack(answer) : JSON.parse(answer.toString('utf8'));
        } catch {
          reject(new ControlError('SF4309', `The answer from ${host}:${port} is not readable (status ${status}).`, status));
          return;
        }
        if (!signature || !sameSignature(signature, answerSignature(o.key, nonce, status, answer))) {
          const reason = value?.error?.reason ? ` It says: ${value.error.reason}` : '';
          reject(new ControlError('SF4310', `The answer from ${host}:${port} is not signed with our group key.${reason}`, status));
          return;
        }
        if (status !== 200 || value.error) {
          reject(new ControlError(value.error?.code ?? 'SF4308', value.error?.reason ?? `status ${status}`, status));
          return;
        }
        resolve(value.result as T);
      });
      res.on('error', (e) => reject(new ControlError('SF4309', `Reading the answer from ${host}:${port} failed: ${e.message}`)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'no peer is listening there (is `frog peer` running?)' : e.message;
      reject(new ControlError('SF4311', `Cannot reach the peer at ${host}:${port}: ${why}.`));
    });
    req.end(body);
  });
}
