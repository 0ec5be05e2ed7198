/** `frog validate` and `frog compile` through their command functions. */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '../../cli/io.js';
import { compileCommand, validateCommand } from '../../cli/commands/resolve/action.js';
import { scratchDir } from '../support/scratch.js';

const dir = scratchDir('frog-validate-');
writeFileSync(join(dir, 'good.sf'), '#include "/frog/components.sf"\nsfConfig extends Sequence { a extends Echo { message "hi"; } }\n');
writeFileSync(
  join(dir, 'types.sf'),
  [
    '#include "/frog/components.sf"',
    'sfConfig extends Compound {',
    '  a extends Prim { sfClass "NoSuchComponent"; }',
    '  b extends Prim { sfClass "./missing.js#Thing"; }',
    '  c extends Prim { sfClass "./module.js#Absent"; }',
    '  d extends Prim { sfClass "./module.js#Present"; }',
    '}',
    '',
  ].join('\n'),
);
writeFileSync(join(dir, 'module.js'), "import { Prim } from 'frogpond';\nexport class Present extends Prim {}\n");
writeFileSync(join(dir, 'no-class.sf'), '#include "/frog/components.sf"\nsfConfig extends Compound { settings extends { x 1; } }\n');

test('a good description validates with exit 0 and no output', async (t) => {
  const io = memoryIo(dir);
  t.is(await validateCommand({ files: ['good.sf'], includePath: [] }, io), 0);
  t.deepEqual(io.err, []);
});

test('validate reports every component type that cannot be provided, at its sfClass', async (t) => {
  const io = memoryIo(dir);
  t.is(await validateCommand({ files: ['types.sf'], includePath: [] }, io), 1);
  const err = io.err.join('');
  t.regex(err, /types\.sf:3:20 - error SF4001: Unknown component type `NoSuchComponent` for `sfConfig:a`\./);
  t.regex(err, /types\.sf:4:20 - error SF4002: Component module `\.\/missing\.js#Thing` for `sfConfig:b` cannot be loaded: Cannot find module '[^']*missing\.js'\./);
  t.regex(err, /types\.sf:5:20 - error SF4003: Component module `\.\/module\.js#Absent` has no component class `Absent`/);
  t.notRegex(err, /sfConfig:d/);
  t.notRegex(err, /registry|\.js:\d+:\d+\)/, 'no internal paths or stack frames');
});

test('validate reports what compile rejects: an eager description without sfClass', async (t) => {
  const io = memoryIo(dir);
  t.is(await validateCommand({ files: ['no-class.sf', 'good.sf'], includePath: [] }, io), 1);
  t.regex(io.err.join(''), /no-class\.sf:2:\d+ - error SF3201: .*sfConfig:settings/);
});

test('compile writes the same bytes twice', async (t) => {
  const io = memoryIo(dir);
  t.is(await compileCommand({ file: 'good.sf', includePath: [], output: 'a.plan' }, io), 0);
  t.is(await compileCommand({ file: 'good.sf', includePath: [], output: 'b.plan' }, io), 0);
  t.deepEqual(readFileSync(join(dir, 'a.plan')), readFileSync(join(dir, 'b.plan')));
});
