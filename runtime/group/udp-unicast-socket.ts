/**
 * The UDP socket of a unicast group (`frog peer --join`, unicast-transport.ts): bound to the
 * peer's interface address and its unicast port, it sends each datagram to a list of addresses.
 * With udp-multicast-transport.ts, the only files that import `node:dgram`. Send errors (an ICMP
 * unreachable from a member gone) are counted, never thrown.
 */
import dgram from 'node:dgram';
import { Messages } from '../../core/messages/index.js';
import type { UnicastSocket } from './unicast-transport.js';
import { joinHostPort, splitHostPort } from './unicast-transport.js';
import { RECEIVE_BUFFER_BYTES, TransportError } from './udp-multicast-transport.js';

export class UdpUnicastSocket implements UnicastSocket {
  private handler: ((d: Uint8Array, from: string) => void) | null = null;
  private closed = false;
  sendErrors = 0;

  private constructor(private readonly socket: dgram.Socket, readonly address: string) {}

  /** Binds `host:port` (port 0: any free one). Rejects with a TransportError (SF4542). */
  static async open(host: string, port: number): Promise<UdpUnicastSocket> {
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new TransportError(Messages.UnicastPortUnavailable, { address: joinHostPort(host, port), reason: e.message }));
      socket.once('error', onError);
      socket.bind({ port, address: host }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch {
      // The system's default buffer, then.
    }
    const s = new UdpUnicastSocket(socket, joinHostPort(host, socket.address().port));
    socket.on('message', (msg, rinfo) => {
      if (!s.closed) s.handler?.(msg, joinHostPort(rinfo.address, rinfo.port));
    });
    socket.on('error', () => s.sendErrors++);
    return s;
  }

  send(datagram: Uint8Array, to: readonly string[]): void {
    if (this.closed) return;
    for (const address of to) {
      const hp = splitHostPort(address);
      if (!hp) continue;
      try {
        this.socket.send(datagram, hp.port, hp.host, (err) => {
          if (err) this.sendErrors++;
        });
      } catch {
        this.sendErrors++;
      }
    }
  }

  onReceive(handler: (datagram: Uint8Array, from: string) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
