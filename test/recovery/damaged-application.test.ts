/**
 * One application that cannot be recovered does not stop its peer (docs/design/recovery.md
 * §3.4, project issue 15): a store with two applications, one of them damaged (a record that
 * fails its checksum, or a checkpointed value that fails validation) → the peer starts, the
 * good one runs again, the damaged one is failed in `status` with its code and reason, and its
 * records are still in the store, byte for byte; the next restart says the same (once in the
 * history, no crash loop); a deploy of the damaged one's name replaces it. With the memory store
 * in process, then with real `frog` processes on LMDB, killed with SIGKILL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { open as openLmdb } from 'lmdb';
import { memoryIo } from '../../cli/io.js';
import { statusCommand } from '../../cli/commands/status/action.js';
import type { EndedApplication, PeerStatus } from '../../runtime/control/protocol.js';
import { decodeRecord, encodeRecord } from '../../runtime/persistence/store/codec.js';
import { MemoryStorage } from '../../runtime/persistence/store/index.js';
import { LMDB_FILE_NAME } from '../../runtime/persistence/store/lmdb-checkpoint-store.js';
import { Cluster } from '../support/cluster.js';
import { frog, removeDir, tempDir, type LineProcess } from '../support/recovery.js';
import { c, plan } from '../support/runtime.js';

const status = async (cluster: Cluster, peer: string) => (await cluster.settled(cluster.get(peer).handle('status', {}))) as PeerStatus;
const running = (s: PeerStatus) => s.applications.map((a) => `${a.name} ${a.root.state}`).sort();
const failures = (h: EndedApplication[], app: string) => h.filter((e) => e.app === app && e.outcome === 'failed');

/** Flips one byte of the msgpack part of a sealed value: its checksum no longer matches. */
function damaged(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out[out.length - 1] = out[out.length - 1]! ^ 0xff;
  return out;
}

const EXPECTED = {
  checksum: [/^SF4811: The application `bad` was not recovered: the record `bad\/sfConfig:job` cannot be decoded: /, /its checksum does not match its bytes/],
  value: [/^SF4811: The application `bad` was not recovered: the record `bad\/sfConfig:job` cannot be decoded: /, /its attribute `weight` the number 1099511627776 is not a 32-bit Integer/],
  type: [/^SF4812: The application `bad` could not be rebuilt from its records: /, /Vanished/],
} as const;

for (const kind of ['checksum', 'value', 'type'] as const) {
  test(`memory store: an application with a damaged record (${kind}) fails alone, its records kept; the next start says the same; a deploy of its name replaces it`, async (t) => {
    const cluster = new Cluster();
    const storage = new MemoryStorage('A');
    try {
      await cluster.add('A', 1, { storage });
      t.is((await cluster.deploy('A', plan(c('Probe'), 'good'), 'good')).state, 'running');
      t.is((await cluster.deploy('A', plan(c('Compound', {}, { job: c('Probe') }), 'bad'), 'bad')).state, 'running');
      await cluster.settled(cluster.get('A').crash());

      const key = 'bad\u0000sfConfig:job';
      const stored = storage.tables.records.get(key)!;
      if (kind === 'checksum') storage.setRaw('records', ['bad', 'sfConfig:job'], damaged(stored));
      else if (kind === 'type') {
        // Reads fine, but its root's type no longer exists: rebuilding it throws.
        const r = decodeRecord(storage.tables.records.get('bad\u0000sfConfig')!);
        r.description.type = 'Vanished';
        storage.setRaw('records', ['bad', 'sfConfig'], encodeRecord(r));
      } else {
        // Decodes as a record, but a checkpointed value is not a valid canonical value (2^40 is not a 32-bit Integer).
        const r = decodeRecord(stored);
        r.attributes.push(['weight', 2 ** 40]);
        storage.setRaw('records', ['bad', 'sfConfig:job'], encodeRecord(r));
      }
      const before = new Map([...storage.tables.records].filter(([k]) => k.startsWith('bad\u0000')));

      // Restarted twice: the peer starts both times, the good application runs, the bad one is failed once.
      for (let restart = 0; restart < 2; restart++) {
        const sim = await cluster.add('A', 1, { storage });
        const s = await status(cluster, 'A');
        t.deepEqual(running(s), ['good running']);
        await cluster.settled(cluster.get('A').history.flushed());
        const failed = failures((await status(cluster, 'A')).history, 'bad');
        t.is(failed.length, 1, 'recorded once, not at every start');
        t.regex(failed[0]!.reason, EXPECTED[kind][0]);
        t.regex(failed[0]!.reason, EXPECTED[kind][1]);
        t.regex(failed[0]!.reason, /Its records are kept, untouched, in `A`/);
        t.notRegex(failed[0]!.reason, /control server/);
        const code = kind === 'type' ? 'SF4812' : 'SF4811';
        t.true(sim.recorder.events.some((e) => e.event === 'log' && e.subject === 'bad' && String(e.text).startsWith(code)), 'a log line names it');
        t.deepEqual(cluster.get('A').recovery?.failed.map((f) => [f.name, f.code]), [['bad', code]]);
        // Its records, the damaged one and the others, are still there, byte for byte.
        t.deepEqual(new Map([...storage.tables.records].filter(([k]) => k.startsWith('bad\u0000'))), before);
        t.truthy(storage.tables.apps.get('bad'), 'its registration is kept');
        await cluster.settled(cluster.get('A').crash());
      }

      // A new application of the bad one's name replaces it: the kept records go, it runs, and it recovers.
      await cluster.add('A', 1, { storage });
      t.is((await cluster.deploy('A', plan(c('Probe', { label: 'new' }), 'bad'), 'bad')).state, 'running');
      t.false(storage.tables.records.has(key), 'the damaged record was discarded');
      await cluster.settled(cluster.get('A').crash());
      await cluster.add('A', 1, { storage });
      t.deepEqual(running(await status(cluster, 'A')), ['bad running', 'good running']);
      t.deepEqual(cluster.get('A').recovery?.failed, []);
    } finally {
      await cluster.close();
    }
  });
}

const APP = (label: string) => `#include "/frog/components.sf"
sfConfig extends Compound {
    label "${label}";
    idle extends DoNothing { }
}
`;

/** Rewrites the record `app/path` of a closed LMDB store with `change` (raw lmdb-js, as a damaged disk would). */
function rewriteRecord(data: string, app: string, recordPath: string, change: (bytes: Buffer) => Buffer): Buffer {
  const root = openLmdb({ path: path.join(data, LMDB_FILE_NAME), maxDbs: 8, encoding: 'binary', compression: false, cache: false });
  try {
    const records = root.openDB<Buffer, [string, string]>({ name: 'records', encoding: 'binary' });
    const bytes = records.getBinary([app, recordPath])!;
    const next = change(Buffer.from(bytes));
    records.putSync([app, recordPath], next);
    return next;
  } finally {
    void root.close();
  }
}

function readRecordBytes(data: string, app: string, recordPath: string): Buffer | undefined {
  const root = openLmdb({ path: path.join(data, LMDB_FILE_NAME), maxDbs: 8, encoding: 'binary', compression: false, cache: false, readOnly: true });
  try {
    const bytes = root.openDB<Buffer, [string, string]>({ name: 'records', encoding: 'binary' }).getBinary([app, recordPath]);
    return bytes ? Buffer.from(bytes) : undefined;
  } finally {
    void root.close();
  }
}

test('frog peer on LMDB, killed with SIGKILL: a damaged application is failed in frog status with its reason, the other runs, at every restart', async (t) => {
  t.timeout(120_000);
  const dir = tempDir();
  const peers: LineProcess[] = [];
  t.teardown(async () => {
    for (const p of peers) await p.kill('SIGKILL').catch(() => undefined);
    removeDir(dir);
  });
  const data = path.join(dir, 'data');
  for (const name of ['good', 'bad']) {
    fs.writeFileSync(path.join(dir, `${name}.sf`), APP(name));
    const run = frog(['run', '--json', '--data', 'data', `${name}.sf`], dir);
    await run.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
    await run.kill('SIGKILL');
  }
  const bad = rewriteRecord(data, 'bad', 'sfConfig:idle', damaged);
  const key = frog(['key', 'generate', 'group.key'], dir);
  t.is(await key.exited, 0, key.stderr);

  for (let restart = 0; restart < 2; restart++) {
    const peer = frog(['peer', '--name', 'p1', '--data', 'data', '--events', 'json', '--group', '239.255.42.77:47621', '--listen', '127.0.0.1:0', '--key-file', 'group.key'], dir);
    peers.push(peer);
    const listening = await peer.waitFor<{ control: string }>((l) => l.event === 'listening');
    const summary = await peer.waitFor<{ applications: string[]; failed: { name: string; code: string; reason: string }[] }>((l) => l.event === 'recovery');
    t.deepEqual(summary.applications, ['good']);
    t.deepEqual(
      summary.failed.map((f) => [f.name, f.code]),
      [['bad', 'SF4811']],
    );
    t.regex(summary.failed[0]!.reason, /the record `bad\/sfConfig:idle` cannot be decoded: its checksum does not match its bytes/);
    const log = await peer.waitFor<{ text: string }>((l) => l.event === 'log' && l.subject === 'bad');
    t.log(log.text);
    const io = memoryIo();
    t.is(await statusCommand({ peer: listening.control, keyFile: path.join(dir, 'group.key') }, io), 0, io.err.join(''));
    const text = io.out.join('');
    t.log(text);
    t.regex(text, /application good \(root on p1\)\n\s+sfConfig\s+Compound\s+running/);
    const ended = text.split('\n').filter((l) => /\bbad\b.*failed/.test(l));
    t.is(ended.length, 1, text);
    t.regex(ended[0]!, /SF4811: The application `bad` was not recovered: the record `bad\/sfConfig:idle` cannot be decoded/);
    t.is(await peer.kill('SIGKILL'), null);
    t.deepEqual(readRecordBytes(data, 'bad', 'sfConfig:idle'), bad, 'the damaged record is kept as it was');
    t.truthy(readRecordBytes(data, 'bad', 'sfConfig'), 'and the rest of its records');
  }

  // frog run of the damaged name: refused with its reason, then replaced with --replace.
  const refused = frog(['run', '--data', 'data', 'bad.sf'], dir);
  t.is(await refused.exited, 1);
  t.regex(refused.stderr, /error SF4811: The application `bad` was not recovered/);
  t.regex(refused.stderr, /--replace/);
  t.notRegex(refused.stderr, /\n\s+at /, 'no stack trace');
  const replaced = frog(['run', '--json', '--data', 'data', '--replace', 'bad.sf'], dir);
  await replaced.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  t.is(await replaced.kill('SIGKILL'), null);
  t.notDeepEqual(readRecordBytes(data, 'bad', 'sfConfig:idle'), bad);
});
