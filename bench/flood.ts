/**
 * `npm run bench -- flood [seconds-per-rate] [kind]`: the datagram rate a group withstands.
 * Three members (profile `lan`) in this process on UDP multicast over loopback; a separate
 * process floods the group's address and port from this machine with `garbage` (random bytes)
 * or `forged` (heartbeat-shaped headers under random node ids, unsigned) at rising rates. For
 * each rate: datagrams the flooder sent, what the members dropped where, and whether any
 * member's view changed (a member lost, or stability lost). The figure is the highest rate
 * with no view change.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SystemClock } from '../core/clock.js';
import { GroupKey } from '../runtime/group/authenticated-transport.js';
import { GroupMember } from '../runtime/group/group-member.js';
import { boundsOf, getProfile } from '../runtime/group/profiles.js';
import { TcpMessageTransport } from '../runtime/group/tcp-message-transport.js';
import { UdpMulticastTransport } from '../runtime/group/udp-multicast-transport.js';
import { MIN_DATAGRAM, PROTOCOL_MAGIC, WIRE_VERSION } from '../runtime/group/wire.js';

const GROUP = '239.255.42.91';
const PORT = 45391;

/** The flooder: its own process, sending `rate` datagrams a second for `seconds`; prints how many it sent. */
const FLOODER = `
const dgram = require('node:dgram');
const { randomBytes } = require('node:crypto');
const [rate, seconds, kind, magic, version, min] = process.argv.slice(1).map((x, i) => i === 2 ? x : Number(x));
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.bind(0, '127.0.0.1', () => {
  s.setMulticastInterface('127.0.0.1');
  let sent = 0;
  const start = Date.now();
  const make = () => {
    if (kind === 'garbage') return randomBytes(200 + (sent % 300));
    const d = Buffer.alloc(min + 40);
    d.writeUInt32BE(magic, 0); d[4] = version; d.writeUInt16BE(100 + (sent % 1900), 12);
    return d;
  };
  const tick = () => {
    const due = Math.min(rate * seconds, Math.floor(((Date.now() - start) / 1000) * rate));
    let burst = 0;
    while (sent < due && burst < 2000) { s.send(make(), ${PORT}, '${GROUP}'); sent++; burst++; }
    if (Date.now() - start < seconds * 1000) setImmediate(tick);
    else setTimeout(() => { console.log(sent); s.close(); }, 100);
  };
  tick();
});`;

function flood(rate: number, seconds: number, kind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', FLOODER, String(rate), String(seconds), kind, String(PROTOCOL_MAGIC), String(WIRE_VERSION), String(MIN_DATAGRAM)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(Number(out.trim()) || 0));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 5);
  const kinds = args[1] ? [args[1]] : ['garbage', 'forged'];
  const profile = getProfile('lan');
  const bounds = boundsOf(profile);
  const key = new GroupKey(randomBytes(32));
  const members: { m: GroupMember; udp: UdpMulticastTransport }[] = [];
  for (let id = 1; id <= 3; id++) {
    const epoch = Date.now();
    const udp = await UdpMulticastTransport.open({ group: GROUP, port: PORT, interfaceAddress: '127.0.0.1' });
    const messages = await TcpMessageTransport.open({ self: id, epoch, key, host: '127.0.0.1' });
    const m = new GroupMember({ identity: { id, name: `f${id}`, epoch }, profile, key, clock: new SystemClock(), datagrams: udp, messages });
    m.start();
    members.push({ m, udp });
  }
  const whole = () => members.every(({ m }) => m.view().stable && m.view().members.length === 3);
  try {
    const formed = Date.now();
    while (!whole() && Date.now() - formed < bounds.join * 3) await sleep(50);
    if (!whole()) throw new Error('the group did not form');
    console.log(`flood: 3 members, profile lan (detection ${bounds.detection} ms), ${seconds} s per rate`);
    for (const kind of kinds) {
      let withstood = 0;
      for (const rate of [5_000, 10_000, 20_000, 40_000, 80_000, 160_000]) {
        const before = members.map(({ udp }) => ({ ...udp.counters }));
        let changed = 0;
        const watch = setInterval(() => void (whole() ? undefined : changed++), 20);
        const sent = await flood(rate, seconds, kind);
        await sleep(bounds.detection);
        clearInterval(watch);
        const limited = members.reduce((n, { udp }, i) => n + udp.counters.rateLimited - before[i]!.rateLimited, 0);
        const passed = members.reduce((n, { udp }, i) => n + udp.counters.received - before[i]!.received, 0);
        const ok = changed === 0;
        if (ok) withstood = Math.max(withstood, Math.round(sent / seconds));
        console.log(`  ${kind.padEnd(7)} ${String(rate).padStart(7)}/s asked, ${String(Math.round(sent / seconds)).padStart(7)}/s sent: passed up ${passed}, rate-limited ${limited}, view ${ok ? 'unchanged' : `changed (${changed} samples)`}`);
        if (!ok) {
          while (!whole()) await sleep(100);
        }
      }
      console.log(`  ${kind}: withstood ${withstood} datagrams/s with no view change`);
    }
  } finally {
    for (const { m } of members) await m.stop();
  }
}
