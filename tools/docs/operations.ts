/**
 * The generated parts of docs/operations.md: the timing profiles with their bounds (from
 * runtime/group/profiles.ts, `boundsOf`) and the network defaults of `frog peer` (from the
 * options' defaults in cli/). The rest of the page is written by hand; these tables sit
 * between `<!-- generated:NAME -->` and `<!-- /generated -->` markers (tools/docs/generate.ts).
 */
import { DEFAULT_PEER } from '../../cli/defaults.js';
import { DEFAULT_GROUP, DEFAULT_INTERFACE } from '../../cli/commands/peer/command.js';
import { DEFAULT_PROFILE, PROFILES, boundsOf } from '../../runtime/group/profiles.js';

/** Milliseconds as the table shows them: `200 ms`, `1 s`, `2.2 s`. */
export function ms(n: number): string {
  return n < 1000 ? `${n} ms` : `${Number((n / 1000).toFixed(2))} s`;
}

/** The table of timing profiles and what each guarantees. */
export function profilesTable(): string {
  const out = [
    '| profile | heartbeat every (I) | missed beats tolerated (k) | timeout T = k·I | a failure is noticed within | the group is stable again within | a new peer is in a stable view within | after a network heals, one view within | slack for delay, skew and pauses |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of Object.values(PROFILES)) {
    const b = boundsOf(p);
    const name = p.name === DEFAULT_PROFILE ? `\`${p.name}\` (default)` : `\`${p.name}\``;
    out.push(`| ${name} | ${ms(p.interval)} | ${p.timeoutIntervals} | ${ms(p.timeout)} | ${ms(b.detection)} | ${ms(b.restabilisation)} | ${ms(b.join)} | ${ms(b.merge)} | ${ms(b.slack)} |`);
  }
  return out.join('\n') + '\n';
}

/** The addresses and ports a peer uses by default. */
export function networkTable(): string {
  const [groupAddress, groupPort] = DEFAULT_GROUP.split(':');
  const [, controlPort] = DEFAULT_PEER.split(':');
  return [
    '| what | protocol | default | option |',
    '| --- | --- | --- | --- |',
    `| heartbeat group | UDP multicast, TTL 1 | \`${groupAddress}\`, port ${groupPort} | \`--group ADDRESS:PORT\` |`,
    `| interface the group and the peer links use | | \`${DEFAULT_INTERFACE}\` (loopback: nothing leaves the machine) | \`--interface ADDRESS\` |`,
    `| control API (\`frog deploy\`, \`status\`, ...) | HTTP over TCP, every request signed with the group key | \`${DEFAULT_PEER}\` (a free loopback port when ${controlPort} is taken) | \`--listen ADDRESS:PORT\` |`,
    '| peer links (state and placement between peers) | TCP | an ephemeral port on the interface address, advertised in the heartbeats | |',
  ].join('\n') + '\n';
}
