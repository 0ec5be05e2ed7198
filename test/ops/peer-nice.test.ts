/**
 * `frog peer --nice N` (and `nice` in the configuration file): the peer sets its scheduling
 * priority at start so that a busy host does not delay its heartbeats beyond the profile's slack
 * (docs/operations.md "A busy host"); a value outside -20..19 is refused with SF4544 before
 * anything is bound.
 */
import test from 'ava';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { parsePeerConfig } from '../../cli/commands/peer/config.js';
import { peerConfigKeys } from '../../cli/commands/peer/command.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { generateKeyFile } from '../../runtime/group/key-file.js';
import { startPeerProcess, stopPeerProcess } from '../support/peer-process.js';
import { scratchDir } from '../support/scratch.js';
import { waitFor } from '../support/wait.js';

const frog = async (dir: string, ...args: string[]) => {
  const io = memoryIo(dir);
  const code = await main(['node', 'frog', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
};

test('--nice outside -20..19, or not a whole number, is refused with SF4544', async (t) => {
  const dir = scratchDir('nice-');
  const key = join(dir, 'g.key');
  await generateKeyFile(key);
  const j = await frog(dir, 'peer', '--name', 'a', '--key-file', key, '--nice', '99', '--json');
  t.is(j.code, 1);
  t.regex(j.out, /"code":"SF4544"/);
  for (const bad of ['20', '-21', 'x', '1.5', '']) {
    const r = await frog(dir, 'peer', '--name', 'a', '--key-file', key, '--nice', bad);
    t.is(r.code, 1, bad);
    t.regex(r.err, /--nice must be a whole number from -20 to 19/, bad);
  }
  t.deepEqual(parsePeerConfig('nice = -10\n', 'f.toml', peerConfigKeys()), { nice: '-10' });
});

test('a peer started with --nice runs at that priority', async (t) => {
  const dir = scratchDir('nice-run-');
  const key = join(dir, 'g.key');
  await generateKeyFile(key);
  // Lowering the priority is allowed to anyone, so this holds as root and not.
  const p = startPeerProcess('nice1', dir, key, '239.255.42.44:45970', ['--nice', '7']);
  try {
    t.true(await waitFor(() => p.control !== undefined, 30_000), 'the peer listens');
    t.is(getPriority(p.child.pid!), 7);
  } finally {
    await stopPeerProcess(p, 'SIGTERM');
  }
});
