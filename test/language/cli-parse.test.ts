/** `frog parse`: through the command function, and once through the real binary. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../cli/io.js';
import { parseCommand } from '../../cli/commands/parse/action.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'frog-parse-'));
writeFileSync(join(dir, 'good.sf'), 'sfConfig extends { a 1L; r LAZY PARENT:x; }\n');
writeFileSync(join(dir, 'bad.sf'), 'sfConfig extends { bad (1 + 2 * 3); }\n');
mkdirSync(join(dir, 'folder.sf'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('prints the s-expression and exits 0 for a good file', async (t) => {
  const io = memoryIo(dir);
  t.is(await parseCommand({ files: ['good.sf'], json: false }, io), 0);
  t.is(
    io.out.join(''),
    ['(File', '  (Attribute sfConfig', '    (Component EAGER', '      (Body', '        (Attribute a (Long 1))', '        (Attribute r (Ref LAZY PARENT:x))))))', ''].join('\n'),
  );
  t.deepEqual(io.err, []);
});

test('renders diagnostics on stderr and exits 1 on a syntax error', async (t) => {
  const io = memoryIo(dir);
  t.is(await parseCommand({ files: ['good.sf', 'bad.sf'], json: false }, io), 1);
  t.regex(io.out.join(''), /; good\.sf\n\(File/);
  t.regex(io.out.join(''), /; bad\.sf\n\(File/);
  t.true(io.err.join('').startsWith('bad.sf:1:31 - error SF1008: Operators `+` and `*` are mixed without parentheses.\n'));
});

test('--json gives spans as offsets and bigints as strings', async (t) => {
  const io = memoryIo(dir);
  t.is(await parseCommand({ files: ['good.sf'], json: true }, io), 0);
  const out = JSON.parse(io.out.join(''));
  t.is(out.length, 1);
  t.is(out[0].file, 'good.sf');
  const attr = out[0].ast.members[0].value.prototypes[0].members[0];
  t.deepEqual(attr.value, { kind: 'Long', value: '1', span: { start: 21, end: 23 } });
});

test('an unreadable file is a clear error, not a stack', async (t) => {
  const io = memoryIo(dir);
  t.is(await parseCommand({ files: ['missing.sf', 'folder.sf', 'good.sf'], json: false }, io), 1);
  t.deepEqual(io.err, [
    'frog parse: cannot read missing.sf: no such file (ENOENT)\n',
    'frog parse: cannot read folder.sf: is a directory (EISDIR)\n',
  ]);
  t.regex(io.out.join(''), /\(File/);
});

test('the real binary: exit codes and streams', (t) => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(repo, 'bin', 'frog.js'), 'parse', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const good = run('good.sf');
  t.is(good.status, 0, good.stderr);
  t.regex(good.stdout, /^\(File\n/);
  const bad = run('bad.sf');
  t.is(bad.status, 1);
  t.regex(bad.stderr, /^bad\.sf:1:31 - error SF1008/);
  t.notRegex(bad.stderr, /\n\s+at /);
  const missing = run('nope.sf');
  t.is(missing.status, 1);
  t.is(missing.stderr, 'frog parse: cannot read nope.sf: no such file (ENOENT)\n');
});
