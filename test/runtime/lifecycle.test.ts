import test from 'ava';
import { c, harness, lines, plan } from './helpers.js';

test('a compound of two prims: all created, then all deployed, then all started, in order', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, { a: c('Probe'), b: c('Probe') })));
  t.deepEqual(r.diagnostics, []);
  t.is(h.trace(), lines(
    'deploying sfConfig',
    'deploying sfConfig:a',
    'deploying sfConfig:b',
    'deployed sfConfig:a',
    'deployed sfConfig:b',
    'deployed sfConfig',
    'starting sfConfig',
    'starting sfConfig:a',
    'running sfConfig:a',
    'starting sfConfig:b',
    'running sfConfig:b',
    'running sfConfig',
  ));
  await r.root!.sfTerminate();
  t.is((await r.terminated).type, 'normal');
});
