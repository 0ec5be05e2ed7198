/** `frog status` as text: placed parts, running on their peer or waited for. */
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
      '  sfConfig  Compound  running  on a',
      '    job  placed on b  waiting for b',
      '    web  DoNothing  running  on c (placed, instance 5f2e)',
      '',
    ].join('\n'),
  );
});
