/**
 * The seams of the group layer: a clock and two transports, injected into the driver so that the
 * same protocol code runs on real sockets and on the simulated network with a fake clock.
 */
import type { Contact } from './wire.js';

export type TimerHandle = { readonly __timer: true } | object;

/**
 * Time as the group sees it. `now()` is the wall clock in ms (timestamps on the wire and timeliness);
 * timers are relative delays and must fire in order of their due time.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, delayMs) => {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return t as unknown as TimerHandle;
  },
  clearTimeout: (h) => clearTimeout(h as unknown as NodeJS.Timeout),
};

/**
 * Group datagrams (heartbeats). `send` reaches every member of the group (multicast); whether our own
 * datagram comes back is transport-specific (the receive path drops it as `self`).
 * The receive handler is called on the event loop; it must not throw (the driver never does).
 */
export interface DatagramTransport {
  send(datagram: Uint8Array): void;
  onReceive(handler: (datagram: Uint8Array) => void): void;
  close(): Promise<void>;
}

/** Where a peer's message transport can be reached, as advertised in its heartbeats. */
export interface PeerAddress {
  id: number;
  contact: Contact | null;
}

/**
 * Peer-to-peer messages beyond heartbeats (state-space registrations and values). Messages to one peer
 * arrive in the order sent, or the link fails: any failure is reported through `onLinkFailure` and the
 * group treats it as untimeliness of that peer (anubis.md §2.1). `from` is authenticated by the transport.
 */
export interface MessageTransport {
  /** The address to advertise in heartbeats (null when the transport needs none, as in simulation). */
  readonly address: Contact | null;
  send(to: PeerAddress, message: unknown): void;
  onMessage(handler: (from: number, message: unknown) => void): void;
  onLinkFailure(handler: (peer: number) => void): void;
  close(): Promise<void>;
}
