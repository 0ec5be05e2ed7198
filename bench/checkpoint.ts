/**
 * `npm run bench -- checkpoint [--writers N] [--seconds S] [--records R]`
 *
 * Durable checkpoint throughput through `LmdbCheckpointStore` with N concurrent writers
 * (each: commit one component record, await durability, repeat), next to two baselines
 * measured in the same run on the same disk with the same encoded record sizes:
 *   - raw lmdb-js batched durable puts: N puts issued together, then `await db.flushed`, repeated;
 *   - raw lmdb-js single puts awaited one by one (`await put; await flushed`).
 * Then recovery: open a store holding R records (default 10,000), read them all and plan
 * the recovery. Prints peak memory (max RSS).
 *
 * The baselines import lmdb-js directly: they measure the library the store is built on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from 'lmdb';
import { LmdbCheckpointStore, planRecovery, type ComponentRecord } from '../runtime/persistence/store/index.js';
import { encodeRecord } from '../runtime/persistence/store/codec.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

function component(app: string, path: string, parent: string | null, n: number, children: string[] = []): ComponentRecord {
  return {
    app,
    path,
    parent,
    planId: 'f'.repeat(64),
    description: { type: 'Prim', host: '', attributes: [['port', 8080], ['name', path]], lazy: [] },
    attributes: [['port', 8080], ['name', path], ['counter', n], ['status', { $cd: [['ok', true], ['load', { $double: n / 7 }]] }]],
    children,
    lifecycle: 'running',
    epoch: 1,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function storeThroughput(dir: string, writers: number, seconds: number) {
  const store = new LmdbCheckpointStore(dir);
  await store.open();
  const latencies: number[] = [];
  const before = store.stats();
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let commits = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      // Bounded by time and by count.
      for (let n = 0; n < 10_000_000 && performance.now() < end; n++) {
        const t0 = performance.now();
        await store.commit({ put: [component('bench', `sfConfig:c${w}`, 'sfConfig', n)] });
        latencies.push(performance.now() - t0);
        commits++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const transactions = store.stats().transactions - before.transactions;
  await store.close();
  latencies.sort((a, b) => a - b);
  return { rate: commits / elapsed, commits, transactions, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Raw batched durable puts. `encoded`: values are msgpack buffers encoded once before the
 * clock starts (the I/O floor); otherwise lmdb-js encodes each record object itself at put
 * time, as any user of lmdb-js storing the same records would (like for like with the store).
 */
async function rawBatched(dir: string, writers: number, seconds: number, encoded: boolean) {
  const root = open({
    path: path.join(dir, encoded ? 'raw-encoded.lmdb' : 'raw-objects.lmdb'),
    encoding: encoded ? 'binary' : 'msgpack',
    compression: false,
    cache: false,
  });
  const values: unknown[] = Array.from({ length: writers }, (_, w) => {
    const r = component('bench', `sfConfig:c${w}`, 'sfConfig', 1);
    return encoded ? encodeRecord(r) : r;
  });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let puts = 0;
  let batches = 0;
  for (let round = 0; round < 10_000_000 && performance.now() < end; round++) {
    const t0 = performance.now();
    for (let w = 0; w < writers; w++) {
      if (!encoded) (values[w] as ComponentRecord).attributes[2]![1] = round; // a fresh value each round, as the writers make
      root.put(['bench', `sfConfig:c${w}`], values[w]);
    }
    await root.flushed;
    const took = performance.now() - t0;
    for (let w = 0; w < writers; w++) latencies.push(took);
    puts += writers;
    batches++;
  }
  const elapsed = (performance.now() - started) / 1000;
  await root.close();
  latencies.sort((a, b) => a - b);
  return { rate: puts / elapsed, puts, batches, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function rawSingle(dir: string, seconds: number) {
  const root = open({ path: path.join(dir, 'raw-single.lmdb'), encoding: 'binary', compression: false, cache: false });
  const value = encodeRecord(component('bench', 'sfConfig:c0', 'sfConfig', 1));
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let puts = 0;
  for (let n = 0; n < 10_000_000 && performance.now() < end; n++) {
    const t0 = performance.now();
    await root.put(['bench', `sfConfig:c${n % 1000}`], value);
    await root.flushed;
    latencies.push(performance.now() - t0);
    puts++;
  }
  const elapsed = (performance.now() - started) / 1000;
  await root.close();
  latencies.sort((a, b) => a - b);
  return { rate: puts / elapsed, puts, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Writes `count` records as 10 applications of one root each, then times open + readAll + planRecovery. */
async function recovery(dir: string, count: number) {
  const store = new LmdbCheckpointStore(dir);
  await store.open();
  const apps = 10;
  const perApp = Math.ceil(count / apps);
  let written = 0;
  for (let a = 0; a < apps && written < count; a++) {
    const n = Math.min(perApp, count - written);
    const names = Array.from({ length: n - 1 }, (_, i) => `c${i}`);
    const records = [component(`app${a}`, 'sfConfig', null, 0, names), ...names.map((name, i) => component(`app${a}`, `sfConfig:${name}`, 'sfConfig', i))];
    await Promise.all(Array.from({ length: Math.ceil(records.length / 500) }, (_, i) => store.commit({ put: records.slice(i * 500, i * 500 + 500) })));
    written += n;
  }
  await store.close({ clean: false });

  const t0 = performance.now();
  const again = new LmdbCheckpointStore(dir);
  const incarnation = await again.open();
  const t1 = performance.now();
  const records = await again.readAll();
  const t2 = performance.now();
  const plan = planRecovery(records);
  const t3 = performance.now();
  await again.close();
  return { records: records.length, rebuild: plan.rebuild.length, lastShutdown: incarnation.lastShutdown, open: t1 - t0, read: t2 - t1, plan: t3 - t2, total: t3 - t0 };
}

export async function main(args: string[]): Promise<void> {
  const writers = option(args, 'writers', 1000);
  const seconds = option(args, 'seconds', 5);
  const count = option(args, 'records', 10_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frog-bench-checkpoint-'));
  const size = encodeRecord(component('bench', 'sfConfig:c0', 'sfConfig', 1)).length;
  try {
    process.stdout.write(`checkpoint benchmark: ${writers} concurrent writers, ${seconds} s each phase, records of ${size} bytes, data in ${dir}\n`);
    const store = await storeThroughput(path.join(dir, 'store'), writers, seconds);
    const batched = await rawBatched(dir, writers, seconds, false);
    const floor = await rawBatched(dir, writers, seconds, true);
    const single = await rawSingle(dir, seconds);
    process.stdout.write(
      `  store (group commit)        ${fmt(store.rate).padStart(9)} durable checkpoints/s   p50 ${fmt(store.p50, 1)} ms  p99 ${fmt(store.p99, 1)} ms   ` +
        `(${fmt(store.commits)} commits in ${fmt(store.transactions)} transactions, ${fmt(store.commits / store.transactions, 1)} per flush)\n`,
    );
    process.stdout.write(
      `  raw lmdb batched durable    ${fmt(batched.rate).padStart(9)} puts/s                  p50 ${fmt(batched.p50, 1)} ms  p99 ${fmt(batched.p99, 1)} ms   (${fmt(batched.batches)} batches of ${writers}, lmdb-js encoding the records)\n`,
    );
    process.stdout.write(
      `  raw lmdb batched, pre-encoded ${fmt(floor.rate).padStart(7)} puts/s                  p50 ${fmt(floor.p50, 1)} ms  p99 ${fmt(floor.p99, 1)} ms   (${fmt(floor.batches)} batches of ${writers}, buffers encoded before timing)\n`,
    );
    process.stdout.write(
      `  raw lmdb single, one by one ${fmt(single.rate).padStart(9)} puts/s                  p50 ${fmt(single.p50, 1)} ms  p99 ${fmt(single.p99, 1)} ms\n`,
    );
    process.stdout.write(`  ratio store / raw batched:  ${fmt(store.rate / batched.rate, 2)}   (target >= 0.5; like for like: both encode the records)\n`);
    process.stdout.write(`  ratio store / raw batched pre-encoded: ${fmt(store.rate / floor.rate, 2)}\n`);
    process.stdout.write(`  ratio store / raw single:   ${fmt(store.rate / single.rate, 1)}\n`);

    const r = await recovery(path.join(dir, 'recover'), count);
    process.stdout.write(
      `recovery of ${fmt(r.records)} records (after a crash: ${r.lastShutdown}): open ${fmt(r.open, 1)} ms, readAll ${fmt(r.read, 1)} ms, ` +
        `planRecovery ${fmt(r.plan, 1)} ms (${fmt(r.rebuild)} to rebuild), total ${fmt(r.total, 1)} ms\n`,
    );
    process.stdout.write(`peak memory: max RSS ${fmt(process.resourceUsage().maxRSS / 1024, 1)} MB\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
