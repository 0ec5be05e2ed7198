/**
 * A helper process of bench/unicast.ts (not a benchmark itself), started inside a network namespace:
 *
 * `node --import tsx bench/unicast-node.ts frog ID NAME IFACE PORT SEED [provide]` — one group member
 * built as `frog peer --join SEED` builds it (runtime/peer/networked.ts: multicast and unicast
 * combined, TCP peer links on IFACE, profile `lan`), the group key in FROG_BENCH_KEY (hex). It
 * listens to `bench/value` and writes one JSON line per group event (`{"e":"left","s":NAME}`…) and
 * per value received (`{"v":N}`). With `provide`, it provides `bench/value` and sets `{change: N}`
 * for each stdin line `set N`.
 *
 * `node --import tsx bench/unicast-node.ts serf-rpc ADDRESS` — holds one RPC connection to a serf
 * agent and sends, for each stdin line `event NAME`, the user event NAME (coalesce off), as
 * bench/propagate.ts does, so neither side counts a client's start-up.
 */
import { createInterface } from 'node:readline';
import { SystemClock } from '../core/clock.js';
import { GroupKey } from '../runtime/group/authenticated-transport.js';
import { GroupMember } from '../runtime/group/group-member.js';
import { getProfile } from '../runtime/group/profiles.js';
import { Listener, Provider } from '../runtime/group/state-space.js';
import { TcpMessageTransport } from '../runtime/group/tcp-message-transport.js';
import { UdpMulticastTransport } from '../runtime/group/udp-multicast-transport.js';
import { UdpUnicastSocket } from '../runtime/group/udp-unicast-socket.js';
import { CombinedDatagramTransport, UnicastTransport } from '../runtime/group/unicast-transport.js';
import { DEFAULT_SYSTEM_MAGIC } from '../runtime/group/wire.js';
import { SerfRpc } from './propagate.js';

const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

async function frog(args: string[]): Promise<void> {
  const [idText, name, iface, portText, seed, provide] = args as [string, string, string, string, string, string | undefined];
  const id = Number(idText);
  const port = Number(portText);
  const key = new GroupKey(Buffer.from(process.env.FROG_BENCH_KEY ?? '', 'hex'));
  const profile = getProfile('lan');
  const clock = new SystemClock();
  const epoch = Date.now();
  const multicast = await UdpMulticastTransport.open({ group: '239.255.42.44', port, interfaceAddress: iface });
  const socket = await UdpUnicastSocket.open(iface, port);
  const unicast = new UnicastTransport({ socket, key, nodeId: id, systemMagic: DEFAULT_SYSTEM_MAGIC, seeds: [seed], now: () => clock.now(), random: Math.random, gossipMs: profile.timeout });
  const datagrams = new CombinedDatagramTransport([multicast, unicast]);
  const messages = await TcpMessageTransport.open({ self: id, epoch, key, host: iface, connectTimeoutMs: profile.timeout });
  const member = new GroupMember({ identity: { id, name, epoch }, profile, key, clock, datagrams, messages });
  member.onEvent((e) => out({ e: e.type, s: e.subject?.name, m: e.members?.map((x) => x.name) }));
  member.stateSpace.registerListener(new Listener('bench/value', { newValue: (v) => out({ v: (v.value as { change?: number } | null)?.change ?? null }) }));
  member.start();
  if (provide === 'provide') {
    const provider = new Provider('bench/value');
    provider.setValue({ change: -1 });
    member.stateSpace.registerProvider(provider);
    createInterface({ input: process.stdin }).on('line', (line) => {
      const m = /^set (-?\d+)$/.exec(line.trim());
      if (m) provider.setValue({ change: Number(m[1]) });
    });
  }
  const stop = () => void member.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function serfRpc(args: string[]): Promise<void> {
  const rpc = await SerfRpc.open(args[0]!);
  out({ ready: true });
  createInterface({ input: process.stdin }).on('line', (line) => {
    const m = /^event (\S+)$/.exec(line.trim());
    if (m) void rpc.request('event', { Name: m[1], Payload: Buffer.from(m[1]!), Coalesce: false }).then((error) => error && out({ error }));
  });
  process.stdin.once('end', () => {
    rpc.close();
    process.exit(0);
  });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'frog') await frog(rest);
else if (mode === 'serf-rpc') await serfRpc(rest);
else {
  process.stderr.write('bench/unicast-node.ts is a helper of bench/unicast.ts: run `npm run bench -- unicast`\n');
  process.exit(2);
}
