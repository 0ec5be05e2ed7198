/** `frog status` as text: aligned columns; placed parts, running on their peer or waited for. */
import test from 'ava';
import { renderStatus } from '../../cli/commands/status/action.js';

const leaf = (name: string, path: string, type: string, state: string, peer: string, remote?: { peer: string; instance: string }) => ({ name, path, type, state, peer, remote, children: [] });

test('a placed part shows where it runs, and a part whose peer is away shows what it waits for', (t) => {
  const text = renderStatus({
    peer: 'a',
    peers: [{ peer: 'a', control: '127.0.0.1:7421', stable: true, leader: 'a', partition: ['a'] }, { peer: 'b', error: 'no answer' }],
    applications: [
      {
        name: 'demo',
        peer: 'a',
        root: {
          ...leaf('sfConfig', 'sfConfig', 'Compound', 'running', 'a'),
          children: [
            leaf('job', 'sfConfig:job', 'frog:RemoteSubtree', 'starting', 'a', { peer: 'b', instance: '' }),
            leaf('web', 'sfConfig:web', 'DoNothing', 'running', 'c', { peer: 'c', instance: '5f2e' }),
          ],
        },
      },
    ],
  });
  t.is(
    text,
    [
      'peer a (127.0.0.1:7421): stable, leader a, partition {a}',
      'peer b: unreachable: no answer',
      'application demo (root on a)',
      '  sfConfig  Compound     running  on a',
      '    job     placed on b  waiting for b',
      '    web     DoNothing    running  on c (placed, instance 5f2e)',
      '',
    ].join('\n'),
  );
});

test('the applications that ended follow, one aligned line each; without any, nothing is added', (t) => {
  const base = {
    peer: 'a',
    peers: [{ peer: 'a', control: '127.0.0.1:7421', stable: true, leader: 'a', partition: ['a', 'b'] }],
    applications: [],
  };
  const at = Date.UTC(2026, 10, 27, 10, 4, 31, 250);
  const text = renderStatus({
    ...base,
    history: [
      { app: 'broken', outcome: 'failed', reason: 'start failed: job refuses to start', path: 'sfConfig:job', time: at, peer: 'a' },
      { app: 'nightly-batch', outcome: 'terminated', reason: 'sfConfig finished', path: 'sfConfig', time: at + 61_000, peer: 'bee' },
      { app: 'svc', outcome: 'terminated', reason: 'terminated by request (frog terminate svc)', path: 'sfConfig', time: at + 3_600_000, peer: 'a' },
    ],
  });
  t.is(
    text,
    [
      'peer a (127.0.0.1:7421): stable, leader a, partition {a, b}',
      'no applications',
      'ended',
      '  2026-11-27T10:04:31Z  broken         failed      on a    start failed: job refuses to start (at sfConfig:job)',
      '  2026-11-27T10:05:32Z  nightly-batch  terminated  on bee  sfConfig finished',
      '  2026-11-27T11:04:31Z  svc            terminated  on a    terminated by request (frog terminate svc)',
      '',
    ].join('\n'),
  );
  const without = ['peer a (127.0.0.1:7421): stable, leader a, partition {a, b}', 'no applications', ''].join('\n');
  t.is(renderStatus({ ...base, history: [] }), without);
  t.is(renderStatus(base), without, 'an answer without a history (an older peer) renders as before');
});
