/**
 * Authentication of control requests and answers with the group key. A request is signed
 * over its method, path, timestamp, nonce and body digest; the server refuses stale
 * timestamps and nonces it has already seen within the time window, so a captured request
 * cannot be replayed. Answers are signed over the request's nonce, the status and the body,
 * so a client knows the answer came from a member of its group and belongs to its request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GroupKey } from '../group/authenticated-transport.js';

export const CONTROL_VERSION = 'frog-control-v1';
export const HEADER_TIME = 'x-frog-time';
export const HEADER_NONCE = 'x-frog-nonce';
export const HEADER_SIGNATURE = 'x-frog-signature';
/** How far a request's timestamp may be from the server's clock. */
export const MAX_SKEW_MS = 30_000;

function digest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function requestSignature(key: GroupKey, method: string, path: string, time: string, nonce: string, body: Uint8Array): string {
  const text = `${CONTROL_VERSION}\nrequest\n${method}\n${path}\n${time}\n${nonce}\n${digest(body)}`;
  return key.tag(Buffer.from(text)).toString('hex');
}

export function answerSignature(key: GroupKey, nonce: string, status: number, body: Uint8Array): string {
  const text = `${CONTROL_VERSION}\nanswer\n${nonce}\n${status}\n${digest(body)}`;
  return key.tag(Buffer.from(text)).toString('hex');
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length || !/^[0-9a-f]*$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** Nonces seen within the time window, bounded in size so that a flood cannot grow it without limit. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly limit = 100_000) {}

  /** False when the nonce was already used (a replay) or the cache is full of live nonces. */
  remember(nonce: string, now: number): boolean {
    if (this.seen.has(nonce)) return false;
    if (this.seen.size >= this.limit) this.expire(now);
    if (this.seen.size >= this.limit) return false;
    this.seen.set(nonce, now + 2 * MAX_SKEW_MS);
    return true;
  }

  private expire(now: number): void {
    for (const [nonce, until] of this.seen) if (until < now) this.seen.delete(nonce);
  }
}
