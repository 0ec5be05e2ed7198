/**
 * `frog peer --config FILE`: the file's values under the flags, paths relative to the file,
 * unknown keys and wrong values named with their line; `--print-config`. `frog completion`:
 * each shell's script names every command and every option commander has registered.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'smol-toml';
import { parsePeerConfig } from '../../cli/commands/peer/config.js';
import { peerConfigKeys } from '../../cli/commands/peer/command.js';
import { commands } from '../../cli/commands/index.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { scratchDir } from '../support/scratch.js';

const frog = async (dir: string, ...args: string[]) => {
  const io = memoryIo(dir);
  const code = await main(['node', 'frog', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
};

test('flags override the file, the file overrides defaults, paths are relative to the file', async (t) => {
  const dir = scratchDir('config-');
  const file = join(dir, 'peer.toml');
  writeFileSync(file, ['# a peer', 'name = "from-file"', 'id = 17', 'profile = "lan"', 'key-file = "keys/group.key"', 'placement-timeout = 5', 'http = "127.0.0.1:7480"', ''].join('\n'));
  const r = await frog(dir, 'peer', '--config', file, '--print-config', '--name', 'from-flag', '--interface', '127.0.0.2');
  t.is(r.code, 0, r.err);
  const printed = parse(r.out) as Record<string, unknown>;
  t.is(printed.name, 'from-flag');
  t.is(printed.id, 17);
  t.is(printed.profile, 'lan', 'the file sets an option left at its default');
  t.is(printed.interface, '127.0.0.2');
  t.is(printed['key-file'], join(dir, 'keys', 'group.key'));
  t.is(printed['placement-timeout'], 5);
  t.is(printed.http, '127.0.0.1:7480');
  t.is(printed.group, '239.255.42.42:4242', 'defaults are printed too');
  // A flag given with the default's value still wins over the file.
  const same = await frog(dir, 'peer', '--config', file, '--print-config', '--profile', 'paper-safe');
  t.is((parse(same.out) as Record<string, unknown>).profile, 'paper-safe');
  // Without --config, the effective configuration is the flags and defaults.
  const plain = await frog(dir, 'peer', '--print-config', '--name', 'n', '--key-file', 'k');
  t.is((parse(plain.out) as Record<string, unknown>)['key-file'], join(dir, 'k'));
});

test('an unknown key is named with its line and the option it was probably meant to be', async (t) => {
  const dir = scratchDir('config-');
  const file = join(dir, 'peer.toml');
  writeFileSync(file, 'name = "a"\n\n  keyfile = "g.key"\n');
  const r = await frog(dir, 'peer', '--config', file);
  t.is(r.code, 1);
  t.regex(r.err, new RegExp(`error SF\\d+: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: unknown key \`keyfile\`; did you mean \`key-file\``));
  t.regex(r.err, /hint: The keys are the long options of `frog peer`/);
  const keys = peerConfigKeys();
  t.throws(() => parsePeerConfig('[peer]\nname = "x"\n', 'f.toml', keys), { message: /f\.toml:1: unknown key `peer`/ });
  t.throws(() => parsePeerConfig('config = "x"\n', 'f.toml', keys), { message: /unknown key `config`/ });
  t.throws(() => parsePeerConfig('name = "a"\nid = "seven"\n', 'f.toml', keys), { message: /f\.toml:2: `id` must be a whole number/ });
  t.throws(() => parsePeerConfig('name = 5\n', 'f.toml', keys), { message: /`name` must be a String/ });
  t.throws(() => parsePeerConfig('name = \n', 'f.toml', keys), { message: /not valid TOML \(line 1/ });
  const missing = await frog(dir, 'peer', '--config', join(dir, 'none.toml'));
  t.is(missing.code, 1);
  t.regex(missing.err, /cannot be read: there is no such file/);
  // Every option of `frog peer` is a key, but --config and --print-config.
  t.deepEqual([...keys.keys()], ['name', 'id', 'group', 'key-file', 'interface', 'join', 'join-port', 'nice', 'profile', 'events', 'data', 'listen', 'placement-timeout', 'http', 'http-token-file']);
});

/** The program as `frog` registers it. */
function program(): Command {
  const p = new Command().name('frog');
  for (const register of commands) register(p, memoryIo(), () => undefined);
  return p;
}

test('completion scripts name every command and every option, and bash completes from them', async (t) => {
  const p = program();
  const names = p.commands.flatMap((c) => [c.name(), ...c.commands.map((x) => x.name())]);
  t.true(names.includes('monitor') && names.includes('query') && names.includes('completion') && names.includes('generate'));
  const longs = p.commands.flatMap((c) => [...c.options, ...c.commands.flatMap((x) => x.options)].map((o) => o.long!).filter(Boolean));
  const dir = scratchDir('completion-');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await frog(dir, 'completion', shell);
    t.is(r.code, 0, r.err);
    for (const n of names) t.true(r.out.includes(n), `${shell}: ${n}`);
    for (const o of longs) t.true(shell === 'fish' ? r.out.includes(`-l ${o.slice(2)}`) : r.out.includes(o), `${shell}: ${o}`);
    writeFileSync(join(dir, `frog.${shell}`), r.out);
  }
  t.is((await frog(dir, 'completion', 'tcsh')).code, 1);
  execFileSync('bash', ['-n', join(dir, 'frog.bash')]);
  const complete = (words: string[]) =>
    execFileSync('bash', ['-c', `source ${join(dir, 'frog.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _frog_completion; echo "\${COMPREPLY[@]}"`], { cwd: dir, encoding: 'utf8' }).trim();
  t.is(complete(['frog', 'mon']), 'monitor');
  t.is(complete(['frog', 'peer', '--print-c']), '--print-config');
  t.true(complete(['frog', 'key', 'g']).split(' ').includes('generate'));
  t.true(complete(['frog', 'query', '--peer', '127.0.0.1:7420', '--j']).split(' ').includes('--json'));
});
