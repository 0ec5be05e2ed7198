/**
 * The web view's routes on the HTTP listener (runtime/http/page.ts), without a browser: the page
 * and its modules with a strict Content-Security-Policy whose one hash is the import map's, the
 * token through `?token=` and an HttpOnly cookie, revalidation, 404 and 405, the plain event
 * stream the page follows, and the page's model (web/model.js) applying events.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStream } from '../../runtime/host/events.js';
import { HttpListener, cookieValue, type HttpSources } from '../../runtime/http/http-listener.js';
import { IMPORT_MAP, loadPage, webDirectory } from '../../runtime/http/page.js';
import { sleep, waitFor } from '../support/wait.js';

const TOKEN = 'a-token-of-24-characters';

function sources(events = new EventStream()): HttpSources & { events: EventStream; asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    events,
    asked,
    metrics: async () => ({ text: 'x 1\n', contentType: 'text/plain' }),
    status: async (o) => {
      asked.push(o);
      return { peer: 'p', peers: [], applications: [] };
    },
    query: (name) => ({ name, providers: [] }),
    subscribe: (l) => events.subscribe(l),
  };
}

async function listener(t: import('ava').ExecutionContext, o: Partial<ConstructorParameters<typeof HttpListener>[0]> = {}) {
  const src = sources();
  const l = new HttpListener({ listen: '127.0.0.1:0', sources: src, ...o });
  const address = await l.start();
  t.teardown(() => l.stop());
  return { address, src };
}

const get = (address: string, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`http://${address}${path}`, { headers, method, redirect: 'manual', signal: AbortSignal.timeout(10_000) });

test('the page and its modules, with a strict CSP that allows the import map by its hash', async (t) => {
  const { address } = await listener(t);
  const page = await get(address, '/');
  t.is(page.status, 200);
  t.regex(page.headers.get('content-type')!, /^text\/html/);
  const html = await page.text();
  t.true(html.includes(`<script type="importmap">${IMPORT_MAP}</script>`));
  const csp = page.headers.get('content-security-policy')!;
  t.regex(csp, /default-src 'none'/);
  t.regex(csp, /frame-ancestors 'none'/);
  t.notRegex(csp, /unsafe/);
  t.true(csp.includes(`'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`));
  t.is(page.headers.get('x-content-type-options'), 'nosniff');
  for (const path of ['/ui/app.js', '/ui/model.js', '/ui/vendor/preact.mjs', '/ui/vendor/hooks.mjs', '/ui/vendor/htm.mjs']) {
    const r = await get(address, path);
    t.is(r.status, 200, path);
    t.regex(r.headers.get('content-type')!, /^text\/javascript/, path);
    const text = await r.text();
    t.regex(text, path === '/ui/app.js' ? /\bimport\b/ : /\bexport\b/, path);
    t.notRegex(text, /sourceMappingURL/, path);
  }
  t.regex(await (await get(address, '/ui/vendor/hooks.mjs')).text(), /from\s*["']preact["']/, 'hooks import preact by name: the import map resolves it');
  const css = await get(address, '/ui/style.css');
  t.regex(css.headers.get('content-type')!, /^text\/css/);
  // Revalidation.
  const etag = page.headers.get('etag')!;
  t.is((await get(address, '/', { 'if-none-match': etag })).status, 304);
  // Nothing else is served from the folder or the packages.
  for (const path of ['/ui/', '/ui/index.html', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/vendor/preact.mjs.map', '/web/app.js']) {
    const r = await get(address, path);
    t.is(r.status, 404, path);
    t.regex((await r.json()).error.code, /^SF43\d\d$/);
  }
  t.is((await get(address, '/', {}, 'POST')).status, 405);
  t.is((await get(address, '/ui/app.js', {}, 'DELETE')).status, 405);
});

test('with a token: 401 without it, ?token= sets an HttpOnly SameSite=Strict cookie, the cookie opens the page and the API', async (t) => {
  const { address } = await listener(t, { token: TOKEN });
  t.is((await get(address, '/')).status, 401);
  t.is((await get(address, '/ui/app.js')).status, 401);
  const wrong = await get(address, '/?token=nope');
  t.is(wrong.status, 401);
  t.is((await wrong.json()).error.code, 'SF4341');
  const right = await get(address, `/?token=${encodeURIComponent(TOKEN)}`);
  t.is(right.status, 303);
  t.is(right.headers.get('location'), './');
  const cookie = right.headers.get('set-cookie')!;
  t.regex(cookie, /^frog_http_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
  const jar = cookie.split(';')[0]!;
  t.is((await get(address, '/', { cookie: jar })).status, 200);
  t.is((await get(address, '/api/status', { cookie: `other=1; ${jar}` })).status, 200);
  t.is((await get(address, '/api/status', { cookie: 'frog_http_token=wrong' })).status, 401);
  t.is((await get(address, '/api/status', { cookie: 'frog_http_token=%E0%A4%A' })).status, 401, 'a cookie that is not valid percent-encoding');
  t.is((await get(address, '/', { authorization: `Bearer ${TOKEN}` })).status, 200);
  t.is(cookieValue('a=1; frog_http_token=x%20y', 'frog_http_token'), 'x y');
  t.is(cookieValue('a=1', 'frog_http_token'), undefined);
});

test('status with attributes on demand, and the plain event stream an EventSource follows', async (t) => {
  const { address, src } = await listener(t);
  await (await get(address, '/api/status?attributes=1')).json();
  await (await get(address, '/api/status')).json();
  t.deepEqual(src.asked, [{ attributes: true }, undefined]);
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const res = await fetch(`http://${address}/api/events?plain=1`, { signal: controller.signal });
  let text = '';
  void (async () => {
    const reader = res.body!.getReader();
    for (let i = 0; i < 1000; i++) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })().catch(() => undefined);
  await sleep(100);
  src.events.emit({ time: 1, peer: 'p', event: 'running', subject: 'sfConfig', app: 'a' });
  t.true(await waitFor(() => text.includes('"event":"running"'), 5000));
  t.regex(text, /id: 1\ndata: \{"time":1,"peer":"p","event":"running"/);
  t.notRegex(text, /^event:/m, 'no named events: onmessage sees them all');
});

test('a listener without the page answers / with SF4340 and serves the API', async (t) => {
  const { address } = await listener(t, { page: false });
  const r = await get(address, '/');
  t.is(r.status, 503);
  t.is((await r.json()).error.code, 'SF4340');
  t.is((await get(address, '/api/status')).status, 200);
  t.throws(() => loadPage(mkdtempSync(join(tmpdir(), 'frog-noweb-'))), { message: /ENOENT|missing/ });
  t.truthy(webDirectory());
});

interface Model {
  applyEvent(status: unknown, e: unknown): 'applied' | 'resync' | 'ignored';
  remember(events: unknown[], e: unknown): unknown[];
  filterEvents(events: unknown[], app: string, peer: string): unknown[];
  stateNames(status: unknown): [string, string[]][];
  describeEvent(e: unknown): string;
  settling(status: unknown): boolean;
  MAX_EVENTS: number;
}

test('the page model applies what it can and asks for the status again for the rest', async (t) => {
  const m = (await import(new URL('../../web/model.js', import.meta.url).href)) as Model;
  const leaf = { name: 'x', path: 'sfConfig:x', peer: 'A', state: 'starting', children: [] };
  const remote = { name: 'svc', path: 'sfConfig:svc', peer: 'C', state: 'running', remote: { peer: 'C', instance: 'i' }, children: [] };
  const status = {
    peer: 'A',
    peers: [{ peer: 'A', members: [], provides: ['peer/A', 'n'] }, { peer: 'C', members: [], provides: ['n'] }, { peer: 'B', error: 'gone' }],
    applications: [{ name: 'demo', peer: 'A', root: { name: 'sfConfig', path: 'sfConfig', peer: 'A', state: 'running', children: [leaf, remote] } }],
  };
  t.is(m.applyEvent(status, { event: 'running', app: 'demo', subject: 'sfConfig:x', peer: 'A' }), 'applied');
  t.is(leaf.state, 'running');
  // A placed part's internal name: the event's `path` is the one the tree shows.
  t.is(m.applyEvent(status, { event: 'starting', app: 'demo', subject: 'sub:internal', path: 'sfConfig:x', peer: 'A' }), 'applied');
  t.is(leaf.state, 'starting');
  t.is(m.applyEvent(status, { event: 'failed', app: 'demo', subject: 'sfConfig:x', peer: 'A' }), 'resync', 'an end changes the history');
  t.is(m.applyEvent(status, { event: 'failed', app: 'demo', subject: 'sfConfig:svc', peer: 'A' }), 'resync', "a proxy: its part's peer is not this one");
  t.is(remote.state, 'running');
  t.is(m.applyEvent(status, { event: 'running', app: 'other', subject: 'sfConfig', peer: 'A' }), 'resync', 'a new application');
  t.is(m.applyEvent(status, { event: 'left', subject: 'C', peer: 'A' }), 'resync');
  t.is(m.applyEvent(status, { event: 'dropped', dropped: 3 }), 'resync');
  t.is(m.applyEvent(status, { event: 'output', app: 'demo', subject: 'sfConfig:x', peer: 'A', text: 'hi' }), 'ignored');
  t.is(m.applyEvent(status, null), 'ignored');
  t.deepEqual(m.stateNames(status), [['n', ['A', 'C']], ['peer/A', ['A']]]);
  t.false(m.settling(status));
  t.true(m.settling({ peer: 'A', peers: [{ peer: 'A', members: [{ name: 'C', state: 'suspected' }] }] }), 'a suspected member turns failed without an event');
  const events: unknown[] = [];
  for (let i = 0; i < m.MAX_EVENTS + 10; i++) m.remember(events, { i, app: i % 2 ? 'a' : 'b', peer: 'A' });
  t.is(events.length, m.MAX_EVENTS);
  t.is(m.filterEvents(events, 'a', '').length, m.MAX_EVENTS / 2);
  t.is(m.filterEvents(events, '', 'B').length, 0);
  t.is(m.describeEvent({ event: 'failed', subject: 'sfConfig:x', record: { type: 'abnormal', reason: 'boom' } }), 'failed sfConfig:x abnormal: boom');
});
