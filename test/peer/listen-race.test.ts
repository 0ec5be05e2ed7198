/**
 * Two peers started at once on one machine without `--listen`: both may find the default control
 * address free before either binds it. The one that loses the race to bind must not fail to
 * start (it did: "cannot start the control server on 127.0.0.1:7420: the address is in use"); it
 * takes a free loopback port and says so, as when the address was taken beforehand.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { ManualClock } from '../../core/clock.js';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { GroupMember } from '../../runtime/group/group-member.js';
import { MemoryNetwork, seededRandom } from '../../runtime/group/memory-network.js';
import { getProfile } from '../../runtime/group/profiles.js';
import { MemoryPeerLinks } from '../../runtime/peer/peer-link.js';
import { Peer } from '../../runtime/peer/peer.js';
import { testRegistry } from '../support/runtime.js';

function peerOn(listen: string, listenFallback?: { listen: string; onUse: () => void }): Peer {
  const clock = new ManualClock(1_000_000);
  const net = new MemoryNetwork(clock, seededRandom(1));
  const key = new GroupKey(randomBytes(32));
  const member = new GroupMember({ identity: { id: 1, name: 'p1', epoch: clock.now() }, profile: getProfile('local-test'), key, clock, datagrams: net.datagramEndpoint(1), messages: net.messageEndpoint(1), random: seededRandom(7) });
  return new Peer({ name: 'p1', member, key, listen, listenFallback, registry: testRegistry(), link: new MemoryPeerLinks().linkFor(1), clock });
}

test('a control address taken between the check and the bind: the peer starts on the fallback and says so', async (t) => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())));
  const taken = `127.0.0.1:${(holder.address() as AddressInfo).port}`;
  let told = 0;
  const peer = peerOn(taken, { listen: '127.0.0.1:0', onUse: () => void told++ });
  await peer.start();
  t.teardown(() => peer.stop('test over'));
  t.is(told, 1);
  t.regex(peer.control, /^127\.0\.0\.1:\d+$/);
  t.not(peer.control, taken);
});

test('an address given with --listen (no fallback) that is taken still fails to start, with EADDRINUSE', async (t) => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())));
  const peer = peerOn(`127.0.0.1:${(holder.address() as AddressInfo).port}`);
  await t.throwsAsync(() => peer.start(), { code: 'EADDRINUSE' } as never);
  await peer.stop('test over').catch(() => undefined);
});
