/**
 * `frog peer --join` and `join` in the configuration file (docs/design/group.md §7): a list as an
 * array or one String with commas, printed back as an array; bad lists and ports are refused with
 * their codes before anything is bound.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { parsePeerConfig } from '../../cli/commands/peer/config.js';
import { peerConfigKeys } from '../../cli/commands/peer/command.js';
import { parseJoin } from '../../cli/commands/peer/action.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { generateKeyFile } from '../../runtime/group/key-file.js';
import { scratchDir } from '../support/scratch.js';

const frog = async (dir: string, ...args: string[]) => {
  const io = memoryIo(dir);
  const code = await main(['node', 'frog', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
};

test('join in the configuration file: an array or a String with commas', async (t) => {
  const keys = peerConfigKeys();
  t.deepEqual(parsePeerConfig('join = ["10.0.0.1:4242", "[fd00::2]:4242"]\n', 'f.toml', keys), { join: '10.0.0.1:4242,[fd00::2]:4242' });
  t.deepEqual(parsePeerConfig('join = "a.example:4242,10.0.0.1:4242"\njoin-port = 5000\n', 'f.toml', keys), { join: 'a.example:4242,10.0.0.1:4242', joinPort: '5000' });
  t.throws(() => parsePeerConfig('join = []\n', 'f.toml', keys), { message: /`join` must be an array of Strings/ });
  t.throws(() => parsePeerConfig('join = [4242]\n', 'f.toml', keys), { message: /`join` must be an array of Strings/ });
  const dir = scratchDir('config-join-');
  const file = join(dir, 'peer.toml');
  writeFileSync(file, 'name = "a"\njoin = ["10.0.0.1:4242", "10.0.0.2:4242"]\n');
  const r = await frog(dir, 'peer', '--config', file, '--print-config');
  t.is(r.code, 0, r.err);
  t.deepEqual((parse(r.out) as Record<string, unknown>).join, ['10.0.0.1:4242', '10.0.0.2:4242']);
});

test('--join takes HOST:PORT[,HOST:PORT…]; anything else is refused with SF4540', async (t) => {
  t.deepEqual(parseJoin('10.0.0.1:4242, [fd00::1]:7000,host-a.example:1'), [
    { host: '10.0.0.1', port: 4242 },
    { host: 'fd00::1', port: 7000 },
    { host: 'host-a.example', port: 1 },
  ]);
  for (const bad of ['', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:70000', 'fd00::1:4242', '10.0.0.1:4242,', 'a b:1']) {
    t.throws(() => parseJoin(bad), { message: /--join must be HOST:PORT/ }, bad);
  }
  const dir = scratchDir('join-');
  const key = join(dir, 'g.key');
  await generateKeyFile(key);
  const r = await frog(dir, 'peer', '--name', 'a', '--key-file', key, '--join', '10.0.0.1');
  t.is(r.code, 1);
  t.regex(r.err, /--join must be HOST:PORT/);
  const p = await frog(dir, 'peer', '--name', 'a', '--key-file', key, '--join', '10.0.0.1:4242', '--join-port', '99999');
  t.is(p.code, 1);
  t.regex(p.err, /--join-port must be a port/);
  const u = await frog(dir, 'peer', '--name', 'a', '--key-file', key, '--join', 'no-such-host.invalid:4242');
  t.is(u.code, 1);
  t.regex(u.err, /--join address `no-such-host\.invalid` cannot be resolved/);
});
