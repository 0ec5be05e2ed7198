/**
 * `npm install -g frogpond` gives a working `frog` from the built output, with no development
 * dependency: packaging/check-install.sh packs a copy of this checkout, installs the tarball into
 * a temporary prefix and runs the installed command (--version, resolve, run with a store,
 * completion).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './live-peer.js';

test('the packed package installs and runs', (t) => {
  const r = spawnSync('bash', [join(root, 'packaging', 'check-install.sh')], { encoding: 'utf8', timeout: 110_000, killSignal: 'SIGKILL' });
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  t.regex(r.stdout, /^version: 0\.1\.0$/m);
  t.regex(r.stdout, /^resolve: ok$/m);
  t.regex(r.stdout, /^run: ok$/m);
  t.regex(r.stdout, /check-install: frog installs and runs/);
});
