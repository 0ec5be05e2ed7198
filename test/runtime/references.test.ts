/** LAZY references and lazy functions are resolved at read time against the live tree (docs/design/components.md §5.3). */
import test from 'ava';
import { Description, Ref } from '../../core/values.js';
import { Prim } from '../../runtime/index.js';
import { c, harness, lazy, plan } from '../support/runtime.js';

const F = 'org.smartfrog.sfcore.languages.sf.functions.';

async function tree() {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { port: 8080, settings: { $cd: [['name', 'db'], ['inner', { $cd: [['depth', 2]] }]] } }, {
    server: c('Probe', { host: 'localhost' }),
    client: c('Probe', {
      server: lazy('ATTRIB server'),
      serverHost: lazy('ATTRIB server:host'),
      port: lazy('PARENT:port'),
      rootPort: lazy('ROOT:port'),
      depth: lazy('ROOT:settings:inner:depth'),
      missing: lazy('PARENT:nothing'),
      fallback: { $ref: 'PARENT:nothing', lazy: true, optional: true, default: 7 },
      data: { $ref: 'PARENT:port', data: true },
      total: { $apply: { $cd: [['sfFunctionClass', `${F}Sum`], ['a', lazy('ATTRIB port')], ['b', 1]], eager: false }, lazy: true },
      label: { $apply: { $cd: [['sfFunctionClass', `${F}Concatenate`], ['a', lazy('ATTRIB serverHost')], ['b', ':'], ['c', lazy('ATTRIB port')]], eager: false }, lazy: true },
      env: lazy('ENVPROPERTY FROG_TEST_VALUE'),
      app: lazy('PROCESS:test'),
    }),
  })));
  return { h, root: r.root!, client: h.host.find('sfConfig:client')! };
}

test('a LAZY reference to a sibling resolves to the live component', async (t) => {
  const { root, client } = await tree();
  const server = client.sfResolve('server');
  t.true(server instanceof Prim);
  t.is((server as Prim).path, 'sfConfig:server');
  t.is(client.resolveComponent('server'), root.children[0]);
  t.is(client.sfResolve('serverHost'), 'localhost');
  await root.sfTerminate();
});

test('PARENT, ROOT and descriptions are walked at read time, so replaced values are seen', async (t) => {
  const { root, client } = await tree();
  t.is(client.sfResolve('port'), 8080);
  t.is(client.sfResolve('rootPort'), 8080);
  t.is(client.sfResolve('depth'), 2);
  root.sfReplaceAttribute('port', 9090);
  t.is(client.sfResolve('port'), 9090);
  await root.sfTerminate();
});

test('lazy functions are evaluated at read time with the built-ins', async (t) => {
  const { root, client } = await tree();
  t.is(client.sfResolve('total'), 8081);
  t.is(client.sfResolve('label'), 'localhost:8080');
  root.sfReplaceAttribute('port', 1);
  t.is(client.sfResolve('total'), 2);
  await root.sfTerminate();
});

test('OPTIONAL gives its default, DATA stays a reference, PROCESS finds applications, ENVPROPERTY reads the environment', async (t) => {
  const { root, client } = await tree();
  t.is(client.sfResolve('fallback'), 7);
  const data = client.sfResolve('data');
  t.true(data instanceof Ref);
  t.is(String(data), 'PARENT:port');
  t.is(client.sfResolve('app'), root);
  process.env.FROG_TEST_VALUE = 'yes';
  t.is(client.sfResolve('env'), 'yes');
  t.is(client.lookup('ROOT:settings:name'), 'db');
  t.true(client.lookup('ROOT:settings') instanceof Description);
  await root.sfTerminate();
});

test('an unresolvable reference is an SF4006 error naming the reference and the component', async (t) => {
  const { root, client } = await tree();
  const e = t.throws(() => client.sfResolve('missing'));
  t.is((e as { code?: string }).code, 'SF4006');
  t.is(e?.message, 'Reference `PARENT:nothing` in `sfConfig:client` cannot be resolved at run time: `nothing` not found in `sfConfig`.');
  t.throws(() => client.lookup('ROOT:port:deeper'), { message: /`ROOT:port` is not a component or a description/ });
  t.throws(() => root.lookup('PARENT'), { message: /`sfConfig` has no parent/ });
  await root.sfTerminate();
});

test('a component reads a LAZY attribute through the typed readers', async (t) => {
  const { root, client } = await tree();
  t.is(client.resolveNumber('port'), 8080);
  t.throws(() => client.resolveString('port'), { message: 'Attribute `port` of `sfConfig:client` must be a String, found Integer 8080.' });
  await root.sfTerminate();
});

test('lazy assertions are checked against the live tree before deploy', async (t) => {
  const assertion = (left: unknown) => ({
    $assert: { $cd: [['sfFunctionClass', `${F}CheckAssertions`], ['positive', { $apply: { $cd: [['sfFunctionClass', `${F}GT`], ['left', left], ['right', 0]], eager: false }, lazy: true }]], eager: false },
    lazy: true,
  });
  const h = harness();
  const ok = await h.host.deploy(plan(c('Compound', { size: 3 }, { a: c('Probe', { check: assertion(lazy('ROOT:size')) as never }) })));
  t.is(ok.root!.state, 'running');
  await ok.root!.sfTerminate();
  const bad = await h.host.deploy(plan(c('Compound', { size: -1 }, { a: c('Probe', { check: assertion(lazy('ROOT:size')) as never }) })));
  const record = await bad.terminated;
  t.is(record.cause?.code, 'SF4008');
  t.regex(record.reason, /Lazy assertion `check` failed in `sfConfig:a`\. .*positive: evaluates to false/);
});
