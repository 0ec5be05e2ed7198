/**
 * Authentication of control requests and answers with the group key.
 *
 * A request is signed over its method, path, target, timestamp, nonce and body digest. The
 * body digest travels in a header, so the server checks the signature, the clock window,
 * the target and the nonce from the headers alone, before it reads (or lets the client send)
 * the body: a sender without the key cannot make a peer buffer a body. The body is then
 * checked against the signed digest.
 *
 * Replays are refused in four ways:
 * - the timestamp must be within MAX_SKEW_MS of the server's clock;
 * - a nonce already seen within that window is refused (the cache is in memory, per process);
 * - the timestamp must not be earlier than the moment this server started, so a request sent
 *   to the peer's previous run (whose nonces are forgotten) cannot be replayed after a restart
 *   (a client whose clock is behind the peer's by more than the peer's uptime is refused too,
 *   with a reason that says so). Residual: a client whose clock is *ahead* of the peer's by d
 *   leaves a window of d during which a request captured just before a restart could be
 *   replayed after it; keep clocks synchronised;
 * - the target, the `ip:port` the client actually connected to, is signed, and the server
 *   compares it with the local address and port of the connection it arrived on, so a request
 *   for one peer cannot be replayed to another peer of the same group.
 *
 * Rule for deployments: the signed target is the address as seen from the client's socket
 * (the host name resolved, IPv6-mapped IPv4 `::ffff:a.b.c.d` written `a.b.c.d`, IPv6 in
 * brackets `[::1]:7420`), and the server compares it with the address as seen from its own
 * socket. Behind NAT or a port-forwarding proxy the two differ and every request is refused
 * ("signed for another peer"): clients must reach the control API at the peer's own address.
 *
 * Answers are signed over the request's nonce, the status and the body, so a client knows the
 * answer came from a member of its group and belongs to its request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { GroupKey } from '../group/authenticated-transport.js';

export const CONTROL_VERSION = 'frog-control-v2';
export const HEADER_TIME = 'x-frog-time';
export const HEADER_NONCE = 'x-frog-nonce';
export const HEADER_SIGNATURE = 'x-frog-signature';
/** The `ip:port` the request is meant for (signed). */
export const HEADER_TARGET = 'x-frog-target';
/** The SHA-256 of the body, in hex (signed). */
export const HEADER_BODY_DIGEST = 'x-frog-body-sha256';
/** How far a request's timestamp may be from the server's clock. */
export const MAX_SKEW_MS = 30_000;

export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The canonical form of a connection end point for the signed target: `a.b.c.d:port` or
 * `[v6]:port`; IPv6-mapped IPv4 addresses are written as IPv4, zone ids dropped. Undefined
 * when the socket has no address (closed).
 */
export function canonicalTarget(address: string | undefined, port: number | undefined): string | undefined {
  if (!address || !port) return undefined;
  let a = address.toLowerCase();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(a);
  if (mapped) a = mapped[1]!;
  return isIPv6(a) ? `[${a}]:${port}` : `${a}:${port}`;
}

export interface SignedRequest {
  method: string;
  path: string;
  /** canonicalTarget() of the server's address. */
  target: string;
  time: string;
  nonce: string;
  /** bodyDigest() of the body. */
  digest: string;
}

export function requestSignature(key: GroupKey, r: SignedRequest): string {
  const text = `${CONTROL_VERSION}\nrequest\n${r.method}\n${r.path}\n${r.target}\n${r.time}\n${r.nonce}\n${r.digest}`;
  return key.tag(Buffer.from(text)).toString('hex');
}

/** The authentication headers of a `POST path` to `target` with this body. */
export function signedHeaders(key: GroupKey, path: string, target: string, body: Uint8Array, time = String(Date.now()), nonce = newNonce()): Record<string, string> {
  const digest = bodyDigest(body);
  return {
    [HEADER_TIME]: time,
    [HEADER_NONCE]: nonce,
    [HEADER_TARGET]: target,
    [HEADER_BODY_DIGEST]: digest,
    [HEADER_SIGNATURE]: requestSignature(key, { method: 'POST', path, target, time, nonce, digest }),
  };
}

export function answerSignature(key: GroupKey, nonce: string, status: number, body: Uint8Array): string {
  const text = `${CONTROL_VERSION}\nanswer\n${nonce}\n${status}\n${bodyDigest(body)}`;
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

/**
 * The signature of one line of an event stream (control.md §6.5): the request's nonce and the
 * line's number (from 0) are signed with it, so a line cannot be forged, moved to another stream,
 * reordered, repeated or left out unnoticed.
 */
export function streamLineSignature(key: GroupKey, nonce: string, seq: number, line: string): string {
  const text = `${CONTROL_VERSION}\nstream\n${nonce}\n${seq}\n${bodyDigest(Buffer.from(line, 'utf8'))}`;
  return key.tag(Buffer.from(text)).toString('hex');
}
