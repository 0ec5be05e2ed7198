/**
 * End to end: the real `frog` binary runs each example (and a few failing descriptions) and
 * the tests check exit codes, output and the files created.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { scratchDir } from '../support/scratch.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const frog = join(repo, 'bin', 'frog.js');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd = repo, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [frog, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`frog ${args.join(' ')} did not finish within 60 s\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

test('hello.sf prints its greeting and exits 0', async (t) => {
  const r = await run(['run', 'examples/hello.sf']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'Hello, world!\nfrogpond ran a Sequence of two components.\n');
  t.regex(r.stderr, /running sfConfig\n/);
  t.regex(r.stderr, /frog run: sfConfig terminated normally\n$/);
});

test('a user component written in TypeScript runs, from the build and from the sources, sharing one frogpond', async (t) => {
  const app = join(repo, 'test', 'runtime', 'fixtures', 'typescript-component', 'app.sf');
  const built = await run(['run', app]);
  t.is(built.code, 0, built.stderr);
  t.regex(built.stdout, /^hello, tests, from the (build|sources)\n$/);
  const sources = await run(['run', app], repo, undefined, { FROG_FROM_SOURCE: '1' });
  t.is(sources.code, 0, sources.stderr);
  t.is(sources.stdout, 'hello, tests, from the sources\n');
});

test('a user component in a folder of its own (no package.json, no frogpond installed) runs, with its relative imports', async (t) => {
  const dir = scratchDir('frog-user-module-');
  writeFileSync(join(dir, 'util.ts'), 'export const shout = (s: string): string => s.toUpperCase();\n');
  writeFileSync(
    join(dir, 'components.ts'),
    [
      "import { Prim } from 'frogpond';",
      "import { shout } from './util.js';",
      'export class Greeter extends Prim {',
      '  protected override shouldTerminateByDefault = true;',
      "  protected override async start(): Promise<void> { this.output(shout(`hello, ${this.resolveString('who')}`)); this.finished(); }",
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'plain.js'), "import { Prim } from 'frogpond';\nexport class Plain extends Prim { shouldTerminateByDefault = true; async start() { this.output('plain ' + (this instanceof Prim)); this.finished(); } }\n");
  writeFileSync(
    join(dir, 'app.sf'),
    '#include "/frog/components.sf"\nsfConfig extends Sequence { a extends Prim { sfClass "./components.ts#Greeter"; who "outside"; } b extends Prim { sfClass "./plain.js#Plain"; } }\n',
  );
  for (const env of [{}, { FROG_FROM_SOURCE: '1' }] as Record<string, string>[]) {
    const r = await run(['run', 'app.sf'], dir, undefined, env);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'HELLO, OUTSIDE\nplain true\n');
  }
});

test('in a package that declares "type": "commonjs", a component module may import a CommonJS helper, and a .ts module is still an ES module', async (t) => {
  const dir = scratchDir('frog-user-cjs-');
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(join(dir, 'helper.js'), 'module.exports = function shout(s) { return s.toUpperCase(); };\n');
  writeFileSync(
    join(dir, 'comp.mts'),
    "import { Prim } from 'frogpond';\nimport shout from './helper.js';\nexport class A extends Prim {\n  protected override shouldTerminateByDefault = true;\n  protected override async start(): Promise<void> { this.output(shout('cjs helper')); this.finished(); }\n}\n",
  );
  writeFileSync(
    join(dir, 'greeter.ts'),
    "import { Prim } from 'frogpond';\nexport class G extends Prim {\n  protected override shouldTerminateByDefault = true;\n  protected override async start(): Promise<void> { this.output('ts module'); this.finished(); }\n}\n",
  );
  writeFileSync(join(dir, 'app.sf'), '#include "/frog/components.sf"\nsfConfig extends Sequence { a extends Prim { sfClass "./comp.mts#A"; } b extends Prim { sfClass "./greeter.ts#G"; } }\n');
  const r = await run(['run', 'app.sf'], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'CJS HELPER\nts module\n');
});

test('--json prints every event as a JSON line on stdout', async (t) => {
  const r = await run(['run', 'examples/hello.sf', '--json', '--name', 'peer-a']);
  t.is(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(Object.keys(events[0]).slice(0, 4), ['time', 'peer', 'event', 'subject']);
  t.true(events.every((e) => e.peer === 'peer-a' && typeof e.time === 'number'));
  t.deepEqual(events.filter((e) => e.event === 'output').map((e) => e.text), ['Hello, world!', 'frogpond ran a Sequence of two components.']);
  t.like(events[events.length - 1], { event: 'terminated', subject: 'sfConfig', record: { type: 'normal', reason: 'sequence completed', path: 'sfConfig' } });
});

test('workflow.sf retries the flaky step twice and writes its report', async (t) => {
  const dir = scratchDir('frog-workflow-');
  try {
    const r = await run(['run', join(repo, 'examples', 'workflow.sf')], dir);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'attempt 1\nattempt 2\nattempt 3\nworkflow complete: build/workflow/report.txt\n');
    t.is((r.stderr.match(/failed sfConfig:flaky:action/g) ?? []).length, 2);
    const report = join(dir, 'build', 'workflow', 'report.txt');
    t.is(readFileSync(report, 'utf8'), 'frogpond workflow: the flaky step succeeded after three attempts.\n');
    t.is(statSync(report).mode & 0o777, 0o640);
    t.is(readFileSync(join(dir, 'build', 'workflow', 'attempts'), 'utf8').trim(), '3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('webservice.sf serves, survives a crash by restarting, and ends normally, run from another folder', async (t) => {
  // Its server script lies beside the description: found from any working directory.
  const r = await run(['run', join(repo, 'examples', 'webservice.sf')], scratchDir('frog-webservice-'));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /listening on http:\/\/127\.0\.0\.1:18765 \(run 0\)/);
  t.regex(r.stdout, /listening on http:\/\/127\.0\.0\.1:18765 \(run 1\)/);
  t.regex(r.stderr, /`node` exited with code 1; restarting in 300 ms \(1\/3\)/);
  t.regex(r.stderr, /health answers 200/);
  t.regex(r.stderr, /terminated sfConfig normal "the demonstration is over"/);
  // The server is gone once frog run has exited.
  await t.throwsAsync(() => fetch('http://127.0.0.1:18765/health'));
});

test('a description with errors prints diagnostics and exits 1', async (t) => {
  const dir = scratchDir('frog-bad-');
  try {
    writeFileSync(join(dir, 'bad.sf'), '#include "/frog/components.sf"\nsfConfig extends Compound { a extends Mystery; }\n');
    const r = await run(['run', 'bad.sf'], dir);
    t.is(r.code, 1);
    t.regex(r.stderr, /bad\.sf:2:\d+ - error SF2101/);
    t.is(r.stdout, '');
    writeFileSync(join(dir, 'unknown.sf'), 'sfConfig extends { sfClass "NoSuchComponent"; }\n');
    const u = await run(['run', 'unknown.sf'], dir);
    t.is(u.code, 1);
    t.regex(u.stderr, /unknown\.sf:1:20 - error SF4001: Unknown component type `NoSuchComponent` for `sfConfig`\./, 'at the sfClass that named it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an abnormal termination exits 2 and prints the termination record', async (t) => {
  const dir = scratchDir('frog-fail-');
  try {
    writeFileSync(join(dir, 'fail.sf'), '#include "/frog/components.sf"\nsfConfig extends Sequence { step extends Exec { command "false"; } }\n');
    const r = await run(['run', 'fail.sf'], dir);
    t.is(r.code, 2);
    t.regex(r.stderr, /frog run: sfConfig failed: abnormal: `false` exited with code 1 \(at sfConfig:step\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGINT terminates the tree in order, waits for it, and exits 130', async (t) => {
  const dir = scratchDir('frog-int-');
  try {
    writeFileSync(join(dir, 'long.sf'), [
      '#include "/frog/components.sf"',
      'sfConfig extends Compound {',
      '  sfSyncTerminate true;',
      '  sleeper extends Exec { command "sleep"; arguments [| "60" |]; }',
      '  idle extends DoNothing { }',
      '}',
    ].join('\n'));
    let sent = false;
    const r = await run(['run', 'long.sf'], dir, (err, child) => {
      if (!sent && err.includes('running sfConfig\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    t.true(sent);
    t.is(r.code, 130, r.stderr);
    const order = r.stderr.split('\n').filter((l) => /^[\d:.]+ (terminating|terminated) /.test(l)).map((l) => l.split(' ').slice(1, 3).join(' '));
    t.deepEqual(order, [
      'terminating sfConfig',
      'terminating sfConfig:idle',
      'terminated sfConfig:idle',
      'terminating sfConfig:sleeper',
      'terminated sfConfig:sleeper',
      'terminated sfConfig',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a compiled plan file runs too', async (t) => {
  const dir = scratchDir('frog-plan-');
  try {
    const compiled = await run(['compile', join(repo, 'examples', 'hello.sf'), '-o', join(dir, 'hello.plan')]);
    t.is(compiled.code, 0, compiled.stderr);
    const r = await run(['run', join(dir, 'hello.plan')]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^Hello, world!\n/);
    writeFileSync(join(dir, 'broken.json'), '{"format": 1}');
    const b = await run(['run', join(dir, 'broken.json')]);
    t.is(b.code, 1);
    t.regex(b.stderr, /error SF4011: The plan file `.*broken\.json` cannot be read: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
