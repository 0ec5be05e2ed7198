/**
 * A peer in a group on the network (`frog peer`, through assemble.ts): the multicast and
 * peer-link transports, the member (started before the store opens), the store, and the Peer
 * with its control server, started: the store's applications are recovered.
 */
import { createServer } from 'node:net';
import { FrogError } from '../../core/errors.js';
import { SystemClock } from '../../core/clock.js';
import { GroupMember } from '../group/group-member.js';
import { TcpMessageTransport } from '../group/tcp-message-transport.js';
import { UdpMulticastTransport } from '../group/udp-multicast-transport.js';
import { UdpUnicastSocket } from '../group/udp-unicast-socket.js';
import { CombinedDatagramTransport, UnicastTransport } from '../group/unicast-transport.js';
import type { DatagramTransport } from '../group/transport.js';
import { DEFAULT_SYSTEM_MAGIC } from '../group/wire.js';
import type { LmdbCheckpointStore } from '../persistence/store/index.js';
import type { AssembleOptions, NetworkOptions, NetworkedPeer } from './assemble.js';
import { openStore } from './open-store.js';
import { HttpPeerLink } from './peer-link.js';
import { Peer } from './peer.js';

export async function assembleNetworked(o: AssembleOptions, n: NetworkOptions): Promise<NetworkedPeer | number> {
  const { name, report } = o;
  const { id, key } = n;
  const iface = n.interfaceAddress;
  const epoch = Date.now();

  // --- the group part -------------------------------------------------------------------------
  let datagrams: DatagramTransport;
  let messages: TcpMessageTransport;
  let multicast: UdpMulticastTransport;
  try {
    multicast = await UdpMulticastTransport.open({ group: n.group.group, port: n.group.port, interfaceAddress: iface });
  } catch (e) {
    report(`${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  datagrams = multicast;
  if (n.join) {
    // Unicast as well (docs/design/group.md §7): a mixed group is one group.
    let socket: UdpUnicastSocket;
    try {
      socket = await UdpUnicastSocket.open(iface, n.join.port);
    } catch (e) {
      await multicast.close();
      report(`${e instanceof Error ? e.message : String(e)}`);
      return 2;
    }
    const clock = new SystemClock();
    const unicast = new UnicastTransport({ socket, key, nodeId: id, systemMagic: DEFAULT_SYSTEM_MAGIC, seeds: n.join.seeds, now: () => clock.now(), random: Math.random, gossipMs: n.profile.timeout });
    datagrams = new CombinedDatagramTransport([multicast, unicast]);
    n.onUnicast?.(socket.address);
  }
  try {
    // A peer link not up within T is a timing failure (docs/design/group.md §2.1 "Peer links").
    messages = await TcpMessageTransport.open({ self: id, epoch, key, host: iface, connectTimeoutMs: n.profile.timeout });
  } catch (e) {
    await datagrams.close();
    report(`cannot listen for peer messages on ${iface}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const member = new GroupMember({ identity: { id, name, epoch }, profile: n.profile, key, clock: new SystemClock(), datagrams, messages });
  n.onMember?.(member);
  member.start();
  n.onStarted?.();

  // --- the store (--data), the component host and the control server (--listen) -------------
  let store: LmdbCheckpointStore | undefined;
  if (o.data !== undefined) {
    const opened = await openStore(o.data, report);
    if (!opened) {
      await member.stop();
      return 1;
    }
    store = opened.store;
  }
  const placement = Number(n.placementTimeout ?? 60);
  if (!Number.isFinite(placement) || placement <= 0) {
    report(`--placement-timeout must be a positive number of seconds; got \`${n.placementTimeout}\`.`);
    await store?.close({ clean: true, reason: 'bad options' });
    await member.stop();
    return 1;
  }
  let listen = n.listen ?? n.defaultListen;
  const inUse = () => report(`warning: ${n.defaultListen} is in use (another peer on this machine?); the control API takes a free loopback port`);
  if (n.listen === undefined && !(await portFree(n.defaultListen))) {
    listen = '127.0.0.1:0';
    inUse();
  }
  // The check above cannot see another peer that binds the default address in between (two peers started at once): binding again on a free port covers that.
  const listenFallback = n.listen === undefined && listen !== '127.0.0.1:0' ? { listen: '127.0.0.1:0', onUse: inUse } : undefined;
  const peer = new Peer({ name, member, key, listen, listenFallback, link: new HttpPeerLink(key), registry: o.registry, store, dataDirectory: store?.location, workingDirectory: o.workingDirectory, placementTimeoutMs: placement * 1000, http: n.http });
  n.onPeer?.(peer);
  try {
    await peer.start();
  } catch (e) {
    if (e instanceof FrogError) {
      // Not the control server's: a store that cannot be read at all (§6.1), say. One damaged
      // application never comes here (recovery.md §3.1). Reported as it is, with its code.
      report(`error ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    } else {
      // Only a system error (EADDRINUSE, EACCES...) is the control server's.
      const errno = typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
      const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is in use (another peer? choose another with --listen)' : e instanceof Error ? e.message : String(e);
      report(reason.startsWith('cannot start') ? reason : `cannot start${errno ? ` the control server on ${listen}` : ' the peer'}: ${reason}`);
    }
    await peer.stop('the peer could not start').catch(() => undefined);
    await member.stop();
    return 2;
  }
  return {
    peer,
    member,
    close: async (reason) => {
      await peer.stop(reason);
      await member.stop();
    },
  };
}

/** True when nothing listens on `host:port` yet. */
function portFree(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(Number(address.slice(at + 1)), address.slice(0, at), () => server.close(() => resolve(true)));
  });
}
