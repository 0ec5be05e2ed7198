/**
 * The event stream and the lifecycle bookkeeping made cheaper for large deployments keep their
 * behaviour: listeners added or removed during an emit, a throwing listener, a termination
 * promise asked for after the component ended, timers cancelled at termination.
 */
import test from 'ava';
import { EventStream, type RuntimeEvent } from '../../runtime/host/events.js';
import { ComponentHost } from '../../runtime/host/host.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { c, plan } from '../support/runtime.js';
import { crc32, crc32Js } from '../../runtime/persistence/store/codec.js';

const event = (subject: string): RuntimeEvent => ({ time: 0, peer: 'p', event: 'log', subject });

test('a listener removed or added during an emit: the emit in progress goes to the listeners it began with', (t) => {
  const stream = new EventStream();
  const seen: string[] = [];
  let offB: () => void = () => undefined;
  stream.subscribe((e) => {
    seen.push(`a ${e.subject}`);
    if (e.subject === '1') {
      offB();
      stream.subscribe((x) => void seen.push(`c ${x.subject}`));
    }
  });
  offB = stream.subscribe((e) => void seen.push(`b ${e.subject}`));
  stream.emit(event('1'));
  stream.emit(event('2'));
  t.deepEqual(seen, ['a 1', 'b 1', 'a 2', 'c 2']);
});

test('a listener that throws is removed; the others go on', (t) => {
  const stream = new EventStream();
  const seen: string[] = [];
  stream.subscribe(() => {
    throw new Error('boom');
  });
  stream.subscribe((e) => void seen.push(e.subject));
  stream.emit(event('1'));
  stream.emit(event('2'));
  t.deepEqual(seen, ['1', '2']);
  const off = stream.subscribe((e) => void seen.push(`late ${e.subject}`));
  off();
  off();
  stream.emit(event('3'));
  t.deepEqual(seen, ['1', '2', '3']);
});

test('whenTerminated asked for before and after the end resolves with the record; timers are cancelled', async (t) => {
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'p', liveness: { delay: 0 } });
  const r = await host.deploy(plan(c('Compound', {}, { a: c('Prim'), b: c('Prim') })));
  const root = r.root!;
  const [a, b] = root.children;
  let fired = false;
  a!.setTimer(() => (fired = true), 20);
  const early = b!.whenTerminated();
  await root.sfTerminate();
  t.is((await early).type, 'normal');
  const late = await a!.whenTerminated();
  t.is(late.type, 'normal');
  t.is(late, await a!.whenTerminated(), 'the same record every time');
  t.is((await r.terminated).type, 'normal');
  await new Promise((res) => setTimeout(res, 60));
  t.false(fired, 'the timer was cancelled at termination');
});

test('the CRC-32 of checksummed values is the same natively and in JavaScript', (t) => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  t.is(crc32(Buffer.from('123456789')), 0xcbf43926);
  t.is(crc32Js(Buffer.from('123456789')), 0xcbf43926);
  for (let i = 0; i < 50; i++) {
    const bytes = Buffer.alloc(next() % 3000);
    for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
    const from = bytes.length ? next() % bytes.length : 0;
    t.is(crc32(bytes, from), crc32Js(bytes, from));
  }
});
