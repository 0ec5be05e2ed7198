/**
 * The light bundle (dist/bundle/frog-light.cjs with its code cache, docs/design/startup.md)
 * against the ES module bundle: each light command prints the same, exits the same and writes
 * the same plan from both. Runs against a build of the checkout (`npm run build`); without a
 * fresh one, bin/frog.js runs the sources for both and the test says so.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from '../support/scratch.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const frog = join(repo, 'bin', 'frog.js');
const light = join(repo, 'dist', 'bundle', 'frog-light.cjs');

/** True when bin/frog.js would run the light bundle: it is there and newer than each of its inputs. */
function lightIsFresh(): boolean {
  if (!existsSync(light)) return false;
  const builtAt = statSync(light).mtimeMs;
  const inputs = JSON.parse(readFileSync(join(repo, 'dist', 'bundle', 'inputs-light.json'), 'utf8')) as string[];
  return inputs.every((p) => existsSync(join(repo, p)) && statSync(join(repo, p)).mtimeMs <= builtAt);
}

test('each light command prints, exits and writes the same from the light bundle as from the ES module bundle', (t) => {
  if (!lightIsFresh()) {
    t.log('no fresh build of the checkout (npm run build): both runs are of the sources');
  }
  const dir = scratchDir('frog-light-');
  const data = join(dir, 'data.sf');
  const app = join(dir, 'app.sf');
  const bad = join(dir, 'bad.sf');
  writeFileSync(data, 'sfConfig extends DATA {\n    greeting "hello";\n}\n');
  writeFileSync(app, '#include "/frog/components.sf"\nsfConfig extends Sequence {\n    a extends Echo { message "hi"; }\n}\n');
  writeFileSync(bad, 'sfConfig extends {\n    a 1\n    b ;\n');
  const runs = [
    ['--version'], ['--help'], ['help', 'resolve'], ['parse', data], ['parse', '--json', bad], ['parse', bad],
    ['resolve', data], ['resolve', '--format', 'canonical', app], ['resolve', '--format', 'sf', app], ['resolve', '--compact', app],
    ['resolve', '--json', bad], ['resolve', join(dir, 'missing.sf')], ['validate', data, app], ['validate', '--json', data],
    ['fmt', '--check', data], ['explain', app, 'a:message'], ['completion', 'bash'], ['nosuchcommand'],
  ];
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [frog, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } });
  for (const args of runs) {
    const a = run(args, {});
    const b = run(args, { FROG_NO_LIGHT: '1' });
    t.is(a.stdout, b.stdout, args.join(' '));
    t.is(a.stderr, b.stderr, args.join(' '));
    t.is(a.status, b.status, args.join(' '));
  }
  const planA = join(dir, 'a.plan');
  const planB = join(dir, 'b.plan');
  t.is(run(['compile', app, '-o', planA], {}).status, 0);
  t.is(run(['compile', app, '-o', planB], { FROG_NO_LIGHT: '1' }).status, 0);
  t.deepEqual(readFileSync(planA), readFileSync(planB), 'the same plan bytes, so the same plan id');
});
