/**
 * The machine output of every command (docs/design/pipeline.md §6.10), through `main` as the
 * command line calls it: with `--json`, stdout is exactly one JSON document (JSON lines for
 * `run` and `peer`), on success and on failure, problems are diagnostics in it, and stderr
 * stays empty. And what `-q` and `--verbose` change for people.
 */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import type { JsonDiagnostic } from '../../cli/output.js';
import { scratchDir } from '../support/scratch.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = scratchDir('frog-json-');
const write = (name: string, text: string): void => writeFileSync(join(dir, name), text);
write('good.sf', '#include "/frog/components.sf"\nsfConfig extends Sequence { a extends Echo { message "hi"; } }\n');
write('warn.sf', '#include "/frog/components.sf"\nsfConfig extends Echo { message "hi"; colour "red"; }\n');
write('bad.sf', 'sfConfig extends { a 1; b c; }\n');
write('syntax.sf', 'sfConfig extends { bad (1 + 2 * 3); }\n');
write('messy.sf', 'sfConfig extends {a 1;}\n');
write('tidy.sf', 'sfConfig extends {\n    a 1;\n}\n');

/** Runs `frog ARGS` in the scratch folder. */
async function frog(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(dir, { NO_COLOR: '1' });
  const code = await main(['node', 'frog', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

/** `frog --json ARGS`: one JSON document on stdout and nothing on stderr. */
async function json<T = Record<string, unknown>>(t: import('ava').ExecutionContext, ...args: string[]): Promise<{ code: number; doc: T }> {
  const r = await frog(...args);
  t.is(r.err, '', `nothing on stderr: ${args.join(' ')}`);
  let doc: T;
  try {
    doc = JSON.parse(r.out) as T;
  } catch {
    t.fail(`not one JSON document: ${r.out}`);
    throw new Error('not JSON');
  }
  return { code: r.code, doc };
}

/** `--json` for a streaming command: every line of stdout is a JSON object. */
async function jsonLines(t: import('ava').ExecutionContext, ...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const r = await frog(...args);
  t.is(r.err, '', `nothing on stderr: ${args.join(' ')}`);
  const lines = r.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.code, lines };
}

function isDiagnostic(t: import('ava').ExecutionContext, d: JsonDiagnostic): void {
  t.true(d.code === null || /^SF\d{4}$/.test(d.code), String(d.code));
  t.true(['error', 'warning', 'info'].includes(d.severity));
  t.is(typeof d.message, 'string');
  for (const k of ['file', 'line', 'column', 'endLine', 'endColumn'] as const) t.true(k in d, k);
}

test('parse --json: an array of {file, ast, diagnostics}, a syntax error and an unreadable file included', async (t) => {
  const ok = await json<{ file: string; ast: unknown; diagnostics: JsonDiagnostic[] }[]>(t, 'parse', '--json', 'good.sf');
  t.is(ok.code, 0);
  t.deepEqual(ok.doc.map((e) => [e.file, e.diagnostics]), [['good.sf', []]]);
  const bad = await json<{ file: string; ast: unknown; diagnostics: JsonDiagnostic[] }[]>(t, 'parse', '--json', 'syntax.sf', 'missing.sf');
  t.is(bad.code, 1);
  const [syntax, missing] = bad.doc;
  t.truthy(syntax!.ast);
  t.like(syntax!.diagnostics[0], { severity: 'error', file: 'syntax.sf', line: 1 });
  isDiagnostic(t, syntax!.diagnostics[0]!);
  t.is(missing!.ast, null);
  t.like(missing!.diagnostics[0], { code: null, severity: 'error', file: 'missing.sf', line: null });
  t.regex(missing!.diagnostics[0]!.message, /cannot read missing\.sf: no such file/);
});

test('resolve --json: the plain JSON; on failure {diagnostics}; with another --format a usage error', async (t) => {
  const ok = await json(t, 'resolve', '--json', 'good.sf');
  t.is(ok.code, 0);
  t.deepEqual(ok.doc, JSON.parse((await frog('resolve', 'good.sf')).out));
  const bad = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'resolve', '--json', 'bad.sf');
  t.is(bad.code, 1);
  t.like(bad.doc.diagnostics[0], { code: 'SF2501', severity: 'error', file: 'bad.sf', line: 1, column: 27, endLine: 1, endColumn: 28, hint: 'Did you mean `a`?' });
  const usage = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'resolve', '--json', '--format', 'sf', 'good.sf');
  t.is(usage.code, 1);
  t.regex(usage.doc.diagnostics[0]!.message, /--json .* --format sf/);
  const unknown = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'resolve', '--json', '--format', 'yaml', 'good.sf');
  t.is(unknown.code, 1);
  t.regex(unknown.doc.diagnostics[0]!.message, /unknown format `yaml`/);
});

test('validate --json: every file with its diagnostics, and the counts', async (t) => {
  const r = await json<{ files: { file: string; diagnostics: JsonDiagnostic[] }[]; errors: number; warnings: number }>(t, 'validate', '--json', 'good.sf', 'warn.sf', 'bad.sf');
  t.is(r.code, 1);
  t.deepEqual(r.doc.files.map((f) => [f.file, f.diagnostics.map((d) => d.code)]), [['good.sf', []], ['warn.sf', ['SF3111']], ['bad.sf', ['SF2501']]]);
  t.deepEqual([r.doc.errors, r.doc.warnings], [1, 1]);
  for (const f of r.doc.files) for (const d of f.diagnostics) isDiagnostic(t, d);
  const ok = await json<{ errors: number; warnings: number }>(t, 'validate', '--json', 'warn.sf');
  t.is(ok.code, 0, 'warnings do not fail');
  t.deepEqual([ok.doc.errors, ok.doc.warnings], [0, 1]);
});

test('validate -q shows errors only; --verbose adds a summary line per file', async (t) => {
  const plain = await frog('validate', 'warn.sf', 'bad.sf');
  t.regex(plain.err, /warning SF3111/);
  const quiet = await frog('validate', '-q', 'warn.sf', 'bad.sf');
  t.is(quiet.code, 1);
  t.notRegex(quiet.err, /warning/);
  t.regex(quiet.err, /error SF2501/);
  t.is(quiet.out, '');
  const verbose = await frog('validate', '--verbose', 'good.sf', 'warn.sf', 'bad.sf');
  t.regex(verbose.err, /^good\.sf: 0 errors, 0 warnings$/m);
  t.regex(verbose.err, /^warn\.sf: 0 errors, 1 warning$/m);
  t.regex(verbose.err, /^bad\.sf: 1 error, 0 warnings$/m);
  t.is((await frog('validate', '-q', '--verbose', 'good.sf')).code, 1, 'both at once is a usage error');
});

test('compile --json: the plan id and the file written; on failure the diagnostics; -q: no "written" line', async (t) => {
  const ok = await json<{ plan: string; output: string; diagnostics: JsonDiagnostic[] }>(t, 'compile', '--json', 'good.sf', '-o', 'good.plan');
  t.is(ok.code, 0);
  t.regex(ok.doc.plan, /^[0-9a-f]{64}$/);
  t.is(ok.doc.output, 'good.plan');
  t.deepEqual(ok.doc.diagnostics, []);
  t.true(existsSync(join(dir, 'good.plan')));
  const bad = await json<{ plan?: string; diagnostics: JsonDiagnostic[] }>(t, 'compile', '--json', 'bad.sf', '-o', 'bad.plan');
  t.is(bad.code, 1);
  t.is(bad.doc.plan, undefined);
  t.is(bad.doc.diagnostics[0]!.code, 'SF2501');
  t.regex((await frog('compile', 'good.sf', '-o', 'g2.plan')).err, /plan [0-9a-f]{12} written to g2\.plan/);
  t.deepEqual(await frog('compile', '-q', 'good.sf', '-o', 'g3.plan'), { code: 0, out: '', err: '' });
});

test('explain --json: the explanation with diagnostics; on failure the diagnostics', async (t) => {
  const ok = await json<{ path: string; steps: unknown[]; diagnostics: JsonDiagnostic[] }>(t, 'explain', '--json', 'good.sf', 'a:message');
  t.is(ok.code, 0);
  t.true(ok.doc.steps.length > 0);
  t.deepEqual(ok.doc.diagnostics, []);
  const bad = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'explain', '--json', 'bad.sf', 'a');
  t.is(bad.code, 1);
  t.is(bad.doc.diagnostics[0]!.code, 'SF2501');
});

test('fmt --json: changed, unchanged and failed files; -q prints no names', async (t) => {
  const check = await json<{ check: boolean; changed: string[]; unchanged: string[]; failed: { file: string; diagnostics: JsonDiagnostic[] }[] }>(t, 'fmt', '--json', '--check', 'messy.sf', 'tidy.sf', 'syntax.sf', 'missing.sf');
  t.is(check.code, 1);
  t.like(check.doc, { check: true, changed: ['messy.sf'], unchanged: ['tidy.sf'] });
  t.deepEqual(check.doc.failed.map((f) => f.file), ['syntax.sf', 'missing.sf']);
  t.is(check.doc.failed[0]!.diagnostics[0]!.file, 'syntax.sf');
  t.is(check.doc.failed[1]!.diagnostics[0]!.code, null);
  const quiet = await frog('fmt', '-q', '--check', 'messy.sf');
  t.deepEqual(quiet, { code: 1, out: '', err: '' });
  write('messy2.sf', 'sfConfig extends {a 1;}\n');
  const fixed = await json<{ changed: string[] }>(t, 'fmt', '--json', 'messy2.sf');
  t.is(fixed.code, 0);
  t.deepEqual(fixed.doc.changed, ['messy2.sf']);
  t.deepEqual(await frog('fmt', '--check', 'messy2.sf'), { code: 0, out: '', err: '' });
});

test('run --json: every event a JSON line; description errors as diagnostic lines', async (t) => {
  const ok = await jsonLines(t, 'run', '--json', '--name', 'p', join(repo, 'examples', 'hello.sf'));
  t.is(ok.code, 0);
  t.true(ok.lines.some((l) => l.event === 'output' && l.text === 'Hello, world!'));
  t.like(ok.lines.at(-1), { event: 'terminated', subject: 'sfConfig' });
  const bad = await jsonLines(t, 'run', '--json', '--name', 'p', 'bad.sf');
  t.is(bad.code, 1);
  t.like(bad.lines[0], { event: 'diagnostic', peer: 'p', code: 'SF2501', severity: 'error', file: 'bad.sf', line: 1 });
  const plan = await jsonLines(t, 'run', '--json', 'no-such.plan');
  t.is(plan.code, 1);
  t.like(plan.lines[0], { event: 'diagnostic', severity: 'error' });
});

test('run -q: only what the components print; --verbose: every event with its peer and type', async (t) => {
  const hello = join(repo, 'examples', 'hello.sf');
  const quiet = await frog('run', '-q', hello);
  t.deepEqual(quiet, { code: 0, out: 'Hello, world!\nfrogpond ran a Sequence of two components.\n', err: '' });
  const plain = await frog('run', '--name', 'p', hello);
  const verbose = await frog('run', '--verbose', '--name', 'p', hello);
  t.is(verbose.out, quiet.out);
  t.regex(verbose.err, /^\S+ p deploying sfConfig \(\S*Sequence\)$/m);
  t.regex(verbose.err, /^\S+ p output sfConfig:greet stdout "Hello, world!"$/m);
  t.true(verbose.err.split('\n').length > plain.err.split('\n').length, 'more lines than without --verbose');
  const bad = await frog('run', '-q', 'bad.sf');
  t.is(bad.code, 1);
  t.regex(bad.err, /error SF2501/, 'errors are shown with -q');
});

test('peer --json: bad options and a missing key file as diagnostic lines, exit 1', async (t) => {
  const id = await jsonLines(t, 'peer', '--json', '--name', 'x', '--id', '9999', '--key-file', 'k');
  t.is(id.code, 1);
  t.like(id.lines[0], { event: 'diagnostic', peer: 'x', severity: 'error' });
  t.regex(String(id.lines[0]!.code), /^SF\d{4}$/);
  const key = await jsonLines(t, 'peer', '--events', 'json', '--name', 'x', '--key-file', 'missing.key');
  t.is(key.code, 1);
  t.like(key.lines[0], { event: 'diagnostic', code: 'SF4501' });
});

test('key generate --json: the file written; an existing file is a diagnostic, exit 1', async (t) => {
  const ok = await json<{ file: string; mode: string; diagnostics: JsonDiagnostic[] }>(t, 'key', 'generate', '--json', 'group.key');
  t.is(ok.code, 0);
  t.deepEqual(ok.doc, { file: 'group.key', mode: '600', diagnostics: [] });
  t.true(readFileSync(join(dir, 'group.key'), 'utf8').length > 40);
  const again = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'key', 'generate', '--json', 'group.key');
  t.is(again.code, 1);
  t.like(again.doc.diagnostics[0], { code: 'SF4501', severity: 'error' });
});

/** A port on which nothing listens: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

test('status, members, terminate and deploy --json: an unreachable peer is a diagnostic and exit 2; a missing key exit 1', async (t) => {
  if (!existsSync(join(dir, 'client.key'))) await frog('key', 'generate', 'client.key');
  const peer = `127.0.0.1:${await closedPort()}`;
  const client = ['--peer', peer, '--key-file', 'client.key', '--timeout', '5'];
  for (const args of [['status'], ['members'], ['terminate', 'app'], ['deploy', 'good.sf']]) {
    const r = await json<{ diagnostics: JsonDiagnostic[] }>(t, ...args, '--json', ...client);
    t.is(r.code, 2, args[0]);
    t.is(r.doc.diagnostics.length, 1, args[0]);
    t.like(r.doc.diagnostics[0], { severity: 'error', file: null });
    t.regex(String(r.doc.diagnostics[0]!.code), /^SF\d{4}$/);
    const noKey = await json<{ diagnostics: JsonDiagnostic[] }>(t, ...args, '--json', '--peer', peer);
    t.is(noKey.code, 1, args[0]);
    t.regex(noKey.doc.diagnostics[0]!.message, /--key-file is required/);
  }
  const bad = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'deploy', '--json', 'bad.sf', ...client);
  t.is(bad.code, 1, 'nothing sent');
  t.is(bad.doc.diagnostics[0]!.code, 'SF2501');
  const timeout = await json<{ diagnostics: JsonDiagnostic[] }>(t, 'status', '--json', '--peer', peer, '--key-file', 'client.key', '--timeout', 'soon');
  t.is(timeout.code, 1);
  const quiet = await frog('deploy', '-q', 'good.sf', ...client);
  t.is(quiet.code, 2);
  t.regex(quiet.err, /frog deploy: error SF\d{4}/, 'errors are shown with -q');
});

test('against a real peer: deploy, status, members and terminate --json print the answer with diagnostics; peer --json only JSON lines', async (t) => {
  t.timeout(60_000);
  if (!existsSync(join(dir, 'peer.key'))) await frog('key', 'generate', 'peer.key');
  const { peerCommand } = await import('../../cli/commands/peer/action.js');
  const io = memoryIo(dir);
  const abort = new AbortController();
  const running = peerCommand({ name: 'jp', keyFile: join(dir, 'peer.key'), group: '239.255.42.42:45161', profile: 'lan', listen: '127.0.0.1:0', json: true, abort: abort.signal }, io);
  try {
    let control: string | undefined;
    for (let i = 0; i < 400 && !control; i++) {
      const listening = io.out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; control?: string }).find((e) => e.event === 'listening');
      control = listening?.control;
      if (!control) await new Promise((r) => setTimeout(r, 25));
    }
    t.truthy(control, io.err.join(''));
    const client = ['--peer', control!, '--key-file', 'peer.key'];
    const deployed = await json<{ app: string; peer: string; state: string; diagnostics: JsonDiagnostic[] }>(t, 'deploy', '--json', 'warn.sf', '--name', 'jsonapp', '--wait', '20', ...client);
    t.is(deployed.code, 0, JSON.stringify(deployed.doc));
    t.like(deployed.doc, { app: 'jsonapp', peer: 'jp' });
    t.deepEqual(deployed.doc.diagnostics.map((d) => d.code), ['SF3111'], 'the warning of the description is in the document');
    const status = await json<{ peers: unknown[]; diagnostics: unknown[] }>(t, 'status', '--json', ...client);
    t.is(status.code, 0);
    t.true(Array.isArray(status.doc.peers));
    t.deepEqual(status.doc.diagnostics, []);
    const members = await json<{ peer: string; members: unknown[] }>(t, 'members', '--json', ...client);
    t.is(members.code, 0);
    t.is(members.doc.peer, 'jp');
    const terminated = await json<{ app: string; terminated: boolean; diagnostics: unknown[] }>(t, 'terminate', '--json', 'jsonapp', ...client);
    // An Echo terminates by itself: the application may have ended before terminate asks.
    if (terminated.code === 0) t.like(terminated.doc, { app: 'jsonapp', terminated: true, diagnostics: [] });
    else t.is(terminated.code, 2);
  } finally {
    abort.abort();
    t.is(await running, 0);
  }
  t.deepEqual(io.err, [], 'peer --json writes nothing to stderr');
  for (const line of io.out.join('').split('\n').filter(Boolean)) t.notThrows(() => JSON.parse(line), line);
});
