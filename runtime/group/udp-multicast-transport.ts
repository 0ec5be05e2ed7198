/**
 * The real group transport: UDP multicast, TTL 1, on an explicitly named interface. The only file
 * that imports `node:dgram`. Loopback recipe: `reuseAddr`, membership and outgoing interface both set
 * to the interface address (127.0.0.1 by default), so nothing leaves the machine unless asked.
 * Datagrams larger than the protocol maximum are passed up as-is and dropped (`size`) by the
 * authentication layer; the socket buffer bounds them.
 */
import dgram from 'node:dgram';
import type { DatagramTransport } from './transport.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** The interface address; always explicit. */
  interfaceAddress: string;
  ttl?: number;
}

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

export class UdpMulticastTransport implements DatagramTransport {
  private handler: ((d: Uint8Array) => void) | null = null;
  private closed = false;
  sendErrors = 0;

  private constructor(private readonly socket: dgram.Socket, private readonly options: MulticastOptions) {}

  /** Binds the group port and joins the group on the interface. Rejects with a TransportError. */
  static async open(options: MulticastOptions): Promise<UdpMulticastTransport> {
    const socket = dgram.createSocket({ type: options.group.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
    const t = new UdpMulticastTransport(socket, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new TransportError(`Cannot bind the group port ${options.port}: ${e.message}.`));
      socket.once('error', onError);
      socket.bind(options.port, () => {
        socket.off('error', onError);
        try {
          socket.addMembership(options.group, options.interfaceAddress);
          socket.setMulticastInterface(options.interfaceAddress);
          socket.setMulticastTTL(options.ttl ?? 1);
          socket.setMulticastLoopback(true);
          resolve();
        } catch (e) {
          socket.close();
          reject(new TransportError(`Cannot join the multicast group ${options.group} on ${options.interfaceAddress}: ${e instanceof Error ? e.message : String(e)}.`));
        }
      });
    });
    socket.on('message', (msg) => {
      if (!t.closed) t.handler?.(msg);
    });
    // Errors after binding (for example ICMP on send) are counted, never thrown.
    socket.on('error', () => t.sendErrors++);
    return t;
  }

  send(datagram: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(datagram, this.options.port, this.options.group, (err) => {
      if (err) this.sendErrors++;
    });
  }

  onReceive(handler: (datagram: Uint8Array) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
