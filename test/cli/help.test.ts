/**
 * Every command of `frog` documents its exit codes at the end of its help, and every command
 * that does something takes `--json` (docs/design/pipeline.md §6.9, §6.10). The commands are
 * read from cli/commands/index.ts, so a new command without them fails here.
 */
import test from 'ava';
import { Command } from 'commander';
import { commands } from '../../cli/commands/index.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';

/** Every registered command as its words (`['key', 'generate']`), with whether it has subcommands. */
function registered(): { words: string[]; command: Command }[] {
  const program = new Command();
  for (const register of commands) register(program, memoryIo(), () => undefined);
  const out: { words: string[]; command: Command }[] = [];
  const walk = (c: Command, words: string[]): void => {
    for (const sub of c.commands) {
      out.push({ words: [...words, sub.name()], command: sub });
      walk(sub, [...words, sub.name()]);
    }
  };
  walk(program, []);
  return out;
}

const all = registered();

test('the commands are all there', (t) => {
  const names = all.map((c) => c.words.join(' '));
  for (const n of ['parse', 'resolve', 'validate', 'compile', 'explain', 'fmt', 'run', 'peer', 'deploy', 'status', 'terminate', 'members', 'key', 'key generate']) t.true(names.includes(n), n);
});

for (const { words } of all) {
  test(`frog ${words.join(' ')} --help ends with its exit codes`, async (t) => {
    const io = memoryIo();
    t.is(await main(['node', 'frog', ...words, '--help'], io), 0);
    const help = io.out.join('');
    const line = /\nExit codes: (.*)\n*$/.exec(help);
    t.truthy(line, help);
    t.regex(line![1]!, /\b0 /, 'says what 0 means');
    t.regex(line![1]!, /\b1 .*usage error/, 'a usage error is 1');
  });
}

for (const { words, command } of all.filter((c) => c.command.commands.length === 0)) {
  test(`frog ${words.join(' ')} takes --json`, (t) => {
    t.truthy(command.options.find((o) => o.long === '--json'), command.options.map((o) => o.long).join(' '));
  });
}

test('a usage error is exit 1 for every command, and with --json it is a JSON document on stdout and nothing on stderr', async (t) => {
  for (const { words, command } of all.filter((c) => c.command.commands.length === 0)) {
    const text = memoryIo();
    t.is(await main(['node', 'frog', ...words, '--no-such-option'], text), 1, words.join(' '));
    t.regex(text.err.join(''), /^error: .*option/);
    const io = memoryIo();
    t.is(await main(['node', 'frog', ...words, '--json', '--no-such-option'], io), 1, words.join(' '));
    t.deepEqual(io.err, [], words.join(' '));
    const out = io.out.join('');
    const streaming = ['run', 'peer'].includes(command.name());
    const d = streaming ? (JSON.parse(out) as Record<string, unknown>) : (JSON.parse(out) as { diagnostics: Record<string, unknown>[] }).diagnostics[0]!;
    if (streaming) t.is(d.event, 'diagnostic');
    t.like(d, { code: null, severity: 'error', file: null });
    t.regex(String(d.message), /option/);
    t.notRegex(String(d.message), /^error:/);
  }
});
