/**
 * `npm run bench -- simulate [sizes...]`: simulated peers with the default profile on the memory network.
 * Prints the simulated time to one stable view, how many simulated seconds pass per real second once
 * stable (steady state: every interval means N² deliveries), and the heartbeat size at that N.
 * Targets: ≥ 10 simulated s per real s at 100 peers, ≥ 1 at 1,000; heartbeat ≤ 400 bytes.
 */
import { Bitset } from '../runtime/group/bitset.js';
import { getProfile, DEFAULT_PROFILE, boundsOf } from '../runtime/group/profiles.js';
import { Simulation } from '../runtime/group/simulation.js';
import { DEFAULT_SYSTEM_MAGIC, encodeHeartbeat, TAG_BYTES } from '../runtime/group/wire.js';

export async function main(args: string[]): Promise<void> {
  const sizes = args.length ? args.map(Number) : [100, 1000];
  const profile = getProfile(DEFAULT_PROFILE);
  console.log(`profile ${profile.name}: I=${profile.interval} T=${profile.timeout} S=${profile.stability}; join bound 3I+S (+I start offset) = ${boundsOf(profile).join + profile.interval} ms`);
  for (const n of sizes) {
    const sim = new Simulation({ profile, seed: 1, recordEvents: false });
    for (let i = 0; i < n; i++) sim.addPeer(i, { name: `peer-${String(i).padStart(4, '0')}` });
    const ids = Array.from({ length: n }, (_, i) => i);
    const t0 = performance.now();
    const all = () => sim.peers.get(0)!.member.view().stable && ids.every((id) => {
      const v = sim.peers.get(id)!.member.view();
      return v.stable && v.members.length === n;
    });
    const took = sim.until(all, 120_000, 100);
    const stableReal = (performance.now() - t0) / 1000;
    // Steady state: simulated seconds per real second.
    const simMs = 10 * profile.interval;
    const d0 = sim.net.deliveries;
    const t1 = performance.now();
    sim.advance(simMs, 1000);
    const real = (performance.now() - t1) / 1000;
    const deliveries = sim.net.deliveries - d0;
    const hb = encodeHeartbeat({
      systemMagic: DEFAULT_SYSTEM_MAGIC, nodeId: n - 1, name: `peer-${String(n - 1).padStart(4, '0')}`, epoch: Date.now(), seq: 1e9, sendTime: Date.now(),
      viewNumber: 1e6, viewTimeStamp: Date.now(), stable: true, preferred: false, candidate: { id: n - 1, epoch: Date.now() },
      view: Bitset.of(ids), heard: Bitset.of(ids), msgLinks: new Bitset(), contact: { host: '127.0.0.1', port: 40000 },
    });
    const violations = sim.violations.length;
    await sim.close();
    console.log(
      `N=${n}: stable view after ${took < 0 ? 'NOT within 120 s' : `${(took / 1000).toFixed(2)} s simulated`} (${stableReal.toFixed(1)} s real); ` +
        `steady state ${(simMs / 1000 / real).toFixed(2)} simulated s per real s (${deliveries} deliveries in ${real.toFixed(2)} s, ` +
        `${Math.round(deliveries / real)} per s); heartbeat ${hb.length} bytes (tag ${TAG_BYTES}); violations ${violations}`,
    );
  }
}
