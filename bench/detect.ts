/**
 * `npm run bench -- detect [--trials N] [--idle SECONDS]`: failure-detection time on loopback.
 * 5 `frog peer` processes with the `lan` profile; once all are stable, one is killed with SIGKILL and
 * we time how long until every survivor has reported it `left` (events carry wall-clock times).
 * Then the same with 5 serf agents (Debian's `serf`, bound to 127.0.0.1, joined explicitly, never
 * -discover), polling `serf members` every 50 ms on each survivor. Prints medians and the ratio.
 * The first frog trial runs the group idle for `--idle S` seconds (default 120, the issue's
 * two minutes; `--idle 0` skips it) before the kill and counts false suspicions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../runtime/group/key-file.js';
import { boundsOf, getProfile } from '../runtime/group/profiles.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const N = 5;

interface Ev {
  peer: string;
  event: string;
  subject: string;
  time: number;
  members?: string[];
}

async function waitFor(cond: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function frogTrial(trial: number, keyFile: string, idleSeconds: number, signal: 'SIGKILL' | 'SIGSTOP' = 'SIGKILL'): Promise<{ ms: number; falseSuspicions: number } | null> {
  const port = 45200 + trial + (signal === 'SIGSTOP' ? 50 : 0);
  const events: Ev[] = [];
  const procs: ChildProcess[] = [];
  try {
    for (let i = 1; i <= N; i++) {
      const c = spawn(process.execPath, [join(root, 'bin/frog.js'), 'peer', '--name', `d${i}`, '--id', String(i), '--group', `239.255.42.42:${port}`, '--key-file', keyFile, '--profile', 'lan', '--events', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      c.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          try {
            events.push(JSON.parse(buf.slice(0, nl)));
          } catch {
            /* not an event line */
          }
          buf = buf.slice(nl + 1);
        }
      });
      procs.push(c);
    }
    const names = Array.from({ length: N }, (_, i) => `d${i + 1}`);
    const allStable = () => names.every((p) => {
      const last = events.filter((e) => e.peer === p && (e.event === 'stable' || e.event === 'unstable')).at(-1);
      return last?.event === 'stable' && last.members?.length === N;
    });
    if (!(await waitFor(allStable, 30_000))) return null;
    const settled = Date.now();
    if (idleSeconds > 0) await sleep(idleSeconds * 1000);
    else await sleep(1000);
    const falseSuspicions = events.filter((e) => e.event === 'left' && e.time >= settled).length;
    const victim = trial % N;
    const killed = Date.now();
    procs[victim]!.kill(signal);
    const survivors = names.filter((_, i) => i !== victim);
    const gone = () => survivors.every((p) => events.some((e) => e.peer === p && e.event === 'left' && e.subject === names[victim] && e.time >= killed));
    if (!(await waitFor(gone, 30_000))) return null;
    const last = Math.max(...survivors.map((p) => events.find((e) => e.peer === p && e.event === 'left' && e.subject === names[victim] && e.time >= killed)!.time));
    return { ms: last - killed, falseSuspicions };
  } finally {
    for (const p of procs) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    await sleep(200);
  }
}

function serfMembers(rpc: string): { name: string; status: string }[] {
  const r = spawnSync('serf', ['members', `-rpc-addr=${rpc}`, '-format=json'], { encoding: 'utf8', timeout: 5000 });
  try {
    return (JSON.parse(r.stdout) as { members: { name: string; status: string }[] }).members;
  } catch {
    return [];
  }
}

async function serfTrial(trial: number): Promise<number | null> {
  const base = 47000 + trial * 20;
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'serf-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    for (let i = 0; i < N; i++) {
      const args = ['agent', `-node=s${i}`, `-bind=127.0.0.1:${base + i}`, `-rpc-addr=127.0.0.1:${base + 10 + i}`, '-log-level=err', `-snapshot=${join(dir, `s${i}.snap`)}`];
      if (i > 0) args.push(`-join=127.0.0.1:${base}`);
      procs.push(spawn('serf', args, { stdio: 'ignore' }));
    }
    const rpc = (i: number) => `127.0.0.1:${base + 10 + i}`;
    const ok = await waitFor(() => Array.from({ length: N }, (_, i) => i).every((i) => serfMembers(rpc(i)).filter((m) => m.status === 'alive').length === N), 30_000);
    if (!ok) return null;
    await sleep(1000);
    const victim = 1 + (trial % (N - 1));
    const killed = Date.now();
    procs[victim]!.kill('SIGKILL');
    const survivors = Array.from({ length: N }, (_, i) => i).filter((i) => i !== victim);
    const seen = new Map<number, number>();
    const end = Date.now() + 60_000;
    while (seen.size < survivors.length && Date.now() < end) {
      for (const s of survivors) {
        if (seen.has(s)) continue;
        const m = serfMembers(rpc(s)).find((x) => x.name === `s${victim}`);
        if (m && m.status !== 'alive') seen.set(s, Date.now());
      }
      await sleep(50);
    }
    if (seen.size < survivors.length) return null;
    return Math.max(...seen.values()) - killed;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await sleep(200);
  }
}

export async function main(args: string[]): Promise<void> {
  const trials = Number(args[args.indexOf('--trials') + 1] ?? 5) || 5;
  const idle = args.includes('--idle') ? Number(args[args.indexOf('--idle') + 1]) || 0 : 120;
  const profile = getProfile('lan');
  const b = boundsOf(profile);
  const dir = mkdtempSync(join(tmpdir(), 'frog-detect-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'group.key');
  await generateKeyFile(keyFile);
  console.log(`frogpond, ${N} peers, profile lan (I=${profile.interval} ms, T=${profile.timeout} ms; bound T+I = ${b.detection} ms)`);
  const frog: number[] = [];
  let falseSuspicions = 0;
  for (let t = 0; t < trials; t++) {
    const r = await frogTrial(t, keyFile, t === 0 ? idle : 0);
    if (!r) {
      console.log(`  trial ${t + 1}: did not complete`);
      continue;
    }
    frog.push(r.ms);
    falseSuspicions += r.falseSuspicions;
    console.log(`  trial ${t + 1}: every survivor reported the killed peer gone after ${r.ms} ms`);
  }
  if (idle > 0) console.log(`  idle run of ${idle} s: ${falseSuspicions} false suspicions`);
  // A killed process's TCP links are reset by its kernel at once, and the others take a link
  // failure as untimeliness. A frozen one (SIGSTOP) keeps its connections open: only its
  // missing heartbeats tell, within the profile's bound T + I.
  const frozen: number[] = [];
  for (let t = 0; t < 3; t++) {
    const r = await frogTrial(t, keyFile, 0, 'SIGSTOP');
    if (r) frozen.push(r.ms);
    console.log(r ? `  frozen peer (SIGSTOP), trial ${t + 1}: every survivor reported it gone after ${r.ms} ms` : `  frozen peer, trial ${t + 1}: did not complete`);
  }
  if (frozen.length) console.log(`  frozen peer: median ${median(frozen)} ms (bound T + I = ${b.detection} ms)`);
  const have = spawnSync('serf', ['version'], { encoding: 'utf8' });
  const serf: number[] = [];
  if (have.error) {
    console.log('serf: not installed (apt-get install -y serf); serf column skipped');
  } else {
    console.log(`serf (${have.stdout.split('\n')[0]}), ${N} agents on 127.0.0.1, default LAN settings, polled every 50 ms`);
    for (let t = 0; t < trials; t++) {
      const ms = await serfTrial(t);
      if (ms === null) console.log(`  trial ${t + 1}: did not complete`);
      else {
        serf.push(ms);
        console.log(`  trial ${t + 1}: every survivor reported the killed agent failed after ${ms} ms`);
      }
    }
  }
  const fm = frog.length ? median(frog) : NaN;
  console.log(`median detection: frogpond ${fm} ms` + (serf.length ? `, serf ${median(serf)} ms, ratio frogpond/serf = ${(fm / median(serf)).toFixed(3)} (target ≤ 0.3)` : ''));
  if (frozen.length && serf.length) {
    console.log(`  by heartbeats alone (frozen peer): frogpond ${median(frozen)} ms, ratio to serf's kill -9 detection ${(median(frozen) / median(serf)).toFixed(3)}`);
  }
}
