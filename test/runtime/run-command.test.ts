/** `runCommand` called directly with an in-memory Io: the terminal tree view and signal handling. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { memoryIo } from '../../cli/io.js';
import { runCommand } from '../../cli/commands/run/action.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('on a terminal, progress is a tree of components redrawn in place', async (t) => {
  const io = { ...memoryIo(repo, { NO_COLOR: '1' }), isTty: true };
  const code = await runCommand({ file: join(repo, 'examples', 'hello.sf'), includePath: [], json: false, peer: 'p' }, io);
  t.is(code, 0);
  t.is(io.out.join(''), 'Hello, world!\nfrogpond ran a Sequence of two components.\n');
  const err = io.err.join('');
  // The final tree: the root and both steps with their last state, indented by depth.
  t.regex(err, /sfConfig {2}terminated {2}sequence completed\n {2}greet {2}terminated {2}message written\n {2}bye {2}terminated {2}message written\n/);
  t.true(err.includes('\x1b[J'), 'the tree is redrawn in place');
});

test('a signal terminates the application and the exit code says which', async (t) => {
  let fire: ((s: NodeJS.Signals) => void) | undefined;
  const io = { ...memoryIo(repo), onSignal: (h: (s: NodeJS.Signals) => void) => ((fire = h), () => (fire = undefined)) };
  const running = runCommand({ file: join(repo, 'test', 'runtime', 'fixtures', 'idle.sf'), includePath: [], json: true }, io);
  for (let i = 0; i < 200 && !io.out.join('').includes('"event":"running","subject":"sfConfig"'); i++) await new Promise((r) => setTimeout(r, 10));
  t.truthy(fire);
  fire!('SIGTERM');
  t.is(await running, 143);
  const last = JSON.parse(io.out.join('').trim().split('\n').pop()!) as { event: string; record: { reason: string } };
  t.deepEqual([last.event, last.record.reason], ['terminated', 'terminated by SIGTERM']);
});
