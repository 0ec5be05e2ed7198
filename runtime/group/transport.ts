/**
 * The seams of the group layer: two transports, injected into the driver (with a Clock from
 * core/clock.ts) so that the same protocol code runs on real sockets and on the simulated network
 * with a manual clock.
 */
import type { Contact } from './wire.js';

/**
 * Group datagrams (heartbeats). `send` reaches every member of the group (multicast, or unicast to
 * every known member: unicast-transport.ts); whether our own
 * datagram comes back is transport-specific (the receive path drops it as `self`).
 * The receive handler is called on the event loop; it must not throw (the driver never does).
 */
export interface DatagramTransport {
  send(datagram: Uint8Array): void;
  /** `source` names the sender where the transport knows it (`address:port` on UDP). */
  onReceive(handler: (datagram: Uint8Array, source?: string) => void): void;
  /**
   * `datagram` from `source` was authenticated: a transport that rations senders may favour it, and
   * one that learns member addresses (unicast-transport.ts) may learn this one.
   */
  trust?(source: string, datagram?: Uint8Array): void;
  close(): Promise<void>;
}

/** Where a peer's message transport can be reached, as advertised in its heartbeats. */
export interface PeerAddress {
  id: number;
  contact: Contact | null;
  /**
   * The admission of the peer this message is sent under (docs/design/group.md §2.1 "Peer links"):
   * a link made for another admission is not used for it, and a link's failure is reported with the
   * admission it was made for. Undefined: any link to the peer will do.
   */
  admission?: number;
}

/**
 * Why a peer link failed: `refused` (nothing listens), `reset` (the peer reset it), `unreachable`
 * (no route, or the host did not answer address resolution), `timeout` (not connected and
 * authenticated within the connect timeout), `closed` (closed by the peer), `hello` (its hello was
 * not authentic or named another peer), `frame` (the authenticated sender sent a bad frame), `queue`
 * (too much waiting to be sent), `error` (any other socket error).
 */
export type LinkFailureCause = 'refused' | 'reset' | 'unreachable' | 'timeout' | 'closed' | 'hello' | 'frame' | 'queue' | 'error';

export interface LinkFailure {
  cause: LinkFailureCause;
  /** The admission the failed link was made for (see PeerAddress), when the sender named one. */
  admission?: number;
}

/**
 * Peer-to-peer messages beyond heartbeats (state-space registrations and values). Messages to one peer
 * arrive in the order sent, or the link fails: any failure is reported through `onLinkFailure` and the
 * group treats it as untimeliness of that peer (docs/design/group.md §2.1). `from` is authenticated by the transport.
 */
export interface MessageTransport {
  /** The address to advertise in heartbeats (null when the transport needs none, as in simulation). */
  readonly address: Contact | null;
  send(to: PeerAddress, message: unknown): void;
  onMessage(handler: (from: number, message: unknown) => void): void;
  onLinkFailure(handler: (peer: number, failure?: LinkFailure) => void): void;
  close(): Promise<void>;
}
