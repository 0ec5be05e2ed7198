/**
 * End to end: the real `frog` binary runs examples/discovery.sf, where a ForEach discovers two
 * StatePublishers through `frog run`'s in-process state space, deploys a copy for each, and
 * terminates the copy of the one that goes; the run then ends on its own.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const frog = join(repo, 'bin', 'frog.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [frog, ...args], { cwd: repo, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`frog ${args.join(' ')} did not finish within 60 s\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

test('discovery.sf: a copy per discovered backend, the copy of the one that goes is terminated, exit 0', async (t) => {
  const r = await run(['run', 'examples/discovery.sf']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'front: routing to alpha at http://127.0.0.1:8001/\nfront: routing to beta at http://127.0.0.1:8002/\nwatch: 1 backend(s) left\n');
  t.regex(r.stderr, /provider-added sfConfig:watch local\/1 \{"name":"alpha","url":"http:\/\/127\.0\.0\.1:8001\/"\}\n/);
  t.regex(r.stderr, /provider-removed sfConfig:watch local\/2\n/);
  t.regex(r.stderr, /terminated sfConfig:front:each_2 normal "provider `local\/2` of `example\/backend` has gone"\n/);
  // The copy for alpha lives until the end of the run.
  t.regex(r.stderr, /terminated sfConfig:front:each_1 normal "sequence completed" at sfConfig:script\n/);
  t.regex(r.stderr, /frog run: sfConfig terminated normally \(sfConfig:script: [^\n]+\)\n$/);
});

test('discovery.sf --json: provider events carry the state name, the provider id and its value', async (t) => {
  const r = await run(['run', 'examples/discovery.sf', '--json']);
  t.is(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const providerEvents = events.filter((e) => String(e.event).startsWith('provider-')).map((e) => [e.event, e.stateName, e.provider, e.value]);
  t.deepEqual(providerEvents, [
    ['provider-added', 'example/backend', 'local/1', { name: 'alpha', url: 'http://127.0.0.1:8001/' }],
    ['provider-added', 'example/backend', 'local/2', { name: 'beta', url: 'http://127.0.0.1:8002/' }],
    ['provider-removed', 'example/backend', 'local/2', null],
  ]);
  const copies = events.filter((e) => e.event === 'running' && String(e.subject).startsWith('sfConfig:front:each_') && String(e.subject).split(':').length === 3);
  t.deepEqual(copies.map((e) => e.subject), ['sfConfig:front:each_1', 'sfConfig:front:each_2']);
});
