// The web view of a frogpond peer (docs/design/control.md §13.1): preact + htm, no build step.
// It loads `api/status` once, follows `api/events?plain=1` (server-sent events) and applies each
// event to its model (model.js); it fetches the status again only when the stream (re)opens or an
// event arrives that the model cannot apply, at most every RESYNC_MS. Everything is rendered by
// preact (text is escaped): no HTML is ever built from data.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { applyEvent, attributesOf, describeEvent, droppedTotal, filterChoices, filterEvents, ownView, remember, settling, stateNames, views, walk } from './model.js';

const html = htm.bind(h);

/** A burst of events that the model cannot apply costs one status request. */
const RESYNC_MS = 150;
/** After the stream is closed for good (refused, peer gone), it is opened again after this. */
const REOPEN_MS = 3000;
/** While a member is suspected (it turns failed without an event), the status is asked again this often. */
const SETTLE_MS = 1000;
/** Events shown at once (the model keeps more, for the filters). */
const SHOWN_EVENTS = 150;

async function getJson(url) {
  const res = await fetch(url, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`HTTP ${res.status}: not JSON`);
  }
  if (!res.ok) throw new Error(body?.error ? `${body.error.code}: ${body.error.reason}` : `HTTP ${res.status}`);
  return body;
}

/** The live model: the status, the recent events, and the stream's state. */
class Live {
  constructor(changed) {
    this.changed = changed;
    this.status = undefined;
    this.events = [];
    this.conn = 'connecting';
    this.error = '';
    this.syncedAt = 0;
    this.fetching = false;
    this.again = false;
    this.timer = undefined;
    this.since = [];
    this.resyncs = 0;
  }

  open() {
    const es = new EventSource('./api/events?plain=1');
    this.source = es;
    es.onopen = () => {
      this.conn = 'live';
      this.resync(0);
      this.changed();
    };
    es.onmessage = (m) => {
      let e;
      try {
        e = JSON.parse(m.data);
      } catch {
        return;
      }
      this.onEvent(e);
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        this.conn = 'closed';
        setTimeout(() => this.open(), REOPEN_MS);
        // Say why, when the status says it (no token, too many streams).
        this.resync(0);
      } else this.conn = 'reconnecting';
      this.changed();
    };
  }

  onEvent(e) {
    if (!e || typeof e !== 'object') return;
    if (e.event !== 'dropped') remember(this.events, e);
    if (this.fetching) this.since.push(e);
    const r = this.status ? applyEvent(this.status, e) : 'resync';
    if (r === 'resync') this.resync(RESYNC_MS);
    this.changed();
  }

  resync(delay) {
    if (this.fetching) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fetchStatus();
    }, delay);
  }

  async fetchStatus() {
    this.fetching = true;
    this.since = [];
    try {
      const status = await getJson('./api/status');
      // The events that came while the status was on its way are newer than it, or the same.
      for (const e of this.since) applyEvent(status, e);
      this.status = status;
      this.syncedAt = Date.now();
      this.resyncs++;
      this.error = '';
    } catch (err) {
      this.error = String(err?.message ?? err);
    } finally {
      this.fetching = false;
      this.since = [];
      if (this.again) {
        this.again = false;
        this.resync(RESYNC_MS);
      } else if (settling(this.status)) this.resync(SETTLE_MS);
      this.changed();
    }
  }
}

const time = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '');
const isoTime = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');
const short = (v, n = 200) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '' : s.length > n ? s.slice(0, n) + '…' : s;
};

function Badge({ state }) {
  return html`<span class=${`badge s-${String(state).replace(/[^a-z-]/g, '')}`}>${state}</span>`;
}

function Section({ id, title, children }) {
  return html`<section id=${id} aria-labelledby=${id + '-h'}><h2 id=${id + '-h'}>${title}</h2>${children}</section>`;
}

function Group({ status }) {
  const own = ownView(status);
  if (!own) return html`<p>No view yet.</p>`;
  return html`
    <dl class="facts">
      <div><dt>stable</dt><dd data-stable=${String(own.stable)}>${own.stable ? 'yes' : 'no'}</dd></div>
      <div><dt>leader</dt><dd>${own.leader}</dd></div>
      <div><dt>partition</dt><dd>${own.partition.join(', ')}</dd></div>
    </dl>
    <h3>Members as ${own.peer} sees them</h3>
    <div class="scroll"><table class="members">
      <thead><tr><th scope="col">peer</th><th scope="col">state</th><th scope="col">id</th><th scope="col">control</th><th scope="col">load</th><th scope="col">since</th></tr></thead>
      <tbody>${own.members.map((m) => html`
        <tr key=${m.name} data-member=${m.name} data-state=${m.state}>
          <th scope="row">${m.name}</th><td><${Badge} state=${m.state} /></td><td>${m.id}</td><td>${m.control ?? ''}</td><td>${m.load ?? ''}</td><td>${time(m.since)}</td>
        </tr>`)}
      </tbody>
    </table></div>
    <h3>Each peer's view</h3>
    <div class="scroll"><table class="peers">
      <thead><tr><th scope="col">peer</th><th scope="col">stable</th><th scope="col">leader</th><th scope="col">partition</th><th scope="col">heartbeats sent</th><th scope="col">accepted</th><th scope="col">partition changes</th><th scope="col">dropped</th></tr></thead>
      <tbody>${(status.peers ?? []).map((p) => (p.error !== undefined ? html`
        <tr key=${p.peer} data-peer-view=${p.peer}><th scope="row">${p.peer}</th><td colspan="7" class="error">${p.error}</td></tr>` : html`
        <tr key=${p.peer} data-peer-view=${p.peer}>
          <th scope="row">${p.peer}</th><td>${p.stable ? 'yes' : 'no'}</td><td>${p.leader}</td><td>${p.partition.join(', ')}</td>
          <td>${p.counters?.heartbeatsSent ?? ''}</td><td>${p.counters?.heartbeatsAccepted ?? ''}</td><td>${p.counters?.partitionChanges ?? ''}</td><td>${p.counters ? droppedTotal(p.counters) : ''}</td>
        </tr>`))}
      </tbody>
    </table></div>`;
}

/** One component and its children: a list item with buttons to fold it and to show its attributes. */
function Node({ app, node, attrs, depth }) {
  const [open, setOpen] = useState(depth < 6);
  const [showAttrs, setShowAttrs] = useState(false);
  const kids = node.children ?? [];
  const id = `n-${app}-${node.peer}-${node.path}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const toggleAttrs = () => {
    const next = !showAttrs;
    setShowAttrs(next);
    if (next) attrs.load();
  };
  const a = showAttrs ? attributesOf(attrs.status, app, node.path, node.peer) : undefined;
  return html`
    <li data-app=${app} data-path=${node.path} data-peer=${node.peer} data-state=${node.state} data-remote=${node.remote ? node.remote.peer : ''}>
      <div class="row">
        ${kids.length
          ? html`<button class="fold" aria-expanded=${String(open)} aria-controls=${id} aria-label=${`${open ? 'fold' : 'unfold'} ${node.name}`} onClick=${() => setOpen(!open)}>${open ? '▾' : '▸'}</button>`
          : html`<span class="fold" aria-hidden="true">·</span>`}
        <span class="name">${node.name}</span>
        <${Badge} state=${node.state} />
        <span class="type">${node.type}</span>
        <span class="where">${node.remote && node.remote.peer !== node.peer ? `placed on ${node.remote.peer} (its proxy on ${node.peer} waits)` : `on ${node.peer}${node.remote ? ' (placed)' : ''}`}</span>
        <button class="attrs" aria-expanded=${String(showAttrs)} onClick=${toggleAttrs}>attributes</button>
      </div>
      ${showAttrs && html`<div class="attributes">${
        attrs.error ? html`<p class="error">${attrs.error}</p>`
        : !attrs.status ? html`<p>Loading…</p>`
        : !a ? html`<p>No attributes published.</p>`
        : html`<dl>${Object.entries(a).map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${short(v)}</dd></div>`)}</dl>`}</div>`}
      ${kids.length > 0 && open && html`<ul id=${id} role="group">${kids.map((c) => html`<${Node} key=${c.path + '@' + c.peer} app=${app} node=${c} attrs=${attrs} depth=${depth + 1} />`)}</ul>`}
    </li>`;
}

function Applications({ status, attrs }) {
  const apps = status.applications ?? [];
  if (!apps.length) return html`<p>No application runs in the group.</p>`;
  return apps.map((a) => {
    const count = [...walk(a.root)].length;
    return html`
      <article class="app" key=${a.name + '@' + a.peer} data-application=${a.name}>
        <h3>${a.name} <small>root on ${a.peer}, ${count} component${count === 1 ? '' : 's'}</small></h3>
        <ul class="tree"><${Node} app=${a.name} node=${a.root} attrs=${attrs} depth=${0} /></ul>
      </article>`;
  });
}

function StateSpace({ status }) {
  const [answers, setAnswers] = useState({});
  const [name, setName] = useState('');
  const ask = async (n) => {
    if (!n) return;
    setAnswers((x) => ({ ...x, [n]: { loading: true } }));
    try {
      const a = await getJson(`./api/query?name=${encodeURIComponent(n)}`);
      setAnswers((x) => ({ ...x, [n]: { providers: a.providers } }));
    } catch (err) {
      setAnswers((x) => ({ ...x, [n]: { error: String(err?.message ?? err) } }));
    }
  };
  const names = stateNames(status);
  const asked = Object.keys(answers).filter((n) => !names.some(([m]) => m === n));
  const rows = [...names, ...asked.map((n) => [n, []])];
  return html`
    <form class="query" onSubmit=${(ev) => { ev.preventDefault(); void ask(name.trim()); }}>
      <label for="q-name">Look up a name</label>
      <input id="q-name" name="name" value=${name} onInput=${(ev) => setName(ev.currentTarget.value)} autocomplete="off" spellcheck="false" />
      <button type="submit">Look up</button>
    </form>
    <div class="scroll"><table class="names">
      <thead><tr><th scope="col">name</th><th scope="col">provided by</th><th scope="col">values</th></tr></thead>
      <tbody>${rows.map(([n, peers]) => {
        const ans = answers[n];
        return html`<tr key=${n} data-name=${n}>
          <th scope="row">${n}</th><td>${peers.join(', ')}</td>
          <td>${!ans ? html`<button onClick=${() => ask(n)}>show values</button>`
            : ans.loading ? 'Looking up…'
            : ans.error ? html`<span class="error">${ans.error}</span>`
            : html`<ul class="values">${ans.providers.length ? ans.providers.map((p) => html`<li key=${p.id}><code>${short(p.value)}</code> <small>from ${p.peer ?? p.id} at ${time(p.time)}</small></li>`) : html`<li>no provider</li>`}</ul>
              <button onClick=${() => ask(n)}>refresh</button>`}</td>
        </tr>`;
      })}</tbody>
    </table></div>`;
}

function Events({ live }) {
  const [app, setApp] = useState('');
  const [peer, setPeer] = useState('');
  const { apps, peers } = filterChoices(live.status, live.events);
  const shown = filterEvents(live.events, app, peer).slice(-SHOWN_EVENTS).reverse();
  return html`
    <form class="filters" onSubmit=${(ev) => ev.preventDefault()}>
      <label for="f-app">Application</label>
      <select id="f-app" value=${app} onChange=${(ev) => setApp(ev.currentTarget.value)}>
        <option value="">all</option>${apps.map((a) => html`<option key=${a} value=${a}>${a}</option>`)}
      </select>
      <label for="f-peer">Peer</label>
      <select id="f-peer" value=${peer} onChange=${(ev) => setPeer(ev.currentTarget.value)}>
        <option value="">all</option>${peers.map((p) => html`<option key=${p} value=${p}>${p}</option>`)}
      </select>
    </form>
    <ol class="events" aria-label="recent events, newest first">
      ${shown.length ? shown.map((e, i) => html`<li key=${i + ':' + e.time} data-event=${e.event}><time>${time(e.time)}</time> <span class="who">${e.peer}</span>${e.app ? html` <span class="app">${e.app}</span>` : ''} <span class="what">${describeEvent(e)}</span></li>`) : html`<li>No events since the page opened${app || peer ? ' (for these filters)' : ''}.</li>`}
    </ol>`;
}

function History({ status }) {
  const h = [...(status.history ?? [])].reverse();
  if (!h.length) return html`<p>No application has ended.</p>`;
  return html`<div class="scroll"><table class="history">
    <thead><tr><th scope="col">time</th><th scope="col">application</th><th scope="col">outcome</th><th scope="col">peer</th><th scope="col">reason</th></tr></thead>
    <tbody>${h.map((e, i) => html`<tr key=${i} data-history=${e.app} data-outcome=${e.outcome}><td>${isoTime(e.time)}</td><th scope="row">${e.app}</th><td><${Badge} state=${e.outcome} /></td><td>${e.peer}</td><td>${e.reason}${e.path ? html` <small>at ${e.path}</small>` : ''}</td></tr>`)}</tbody>
  </table></div>`;
}

function App({ live }) {
  const [, setTick] = useState(0);
  const [attrs, setAttrs] = useState({ status: undefined, error: '', at: 0 });
  useEffect(() => {
    let scheduled = false;
    // Many events in one task render once.
    live.changed = () => {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        setTick((n) => n + 1);
      });
    };
    live.open();
  }, []);
  const attributes = {
    ...attrs,
    // The attributes come with a status fetched for them, at most every 2 s.
    load: () => {
      if (Date.now() - attrs.at < 2000) return;
      setAttrs((x) => ({ ...x, at: Date.now() }));
      getJson('./api/status?attributes=1').then(
        (status) => setAttrs({ status, error: '', at: Date.now() }),
        (err) => setAttrs({ status: undefined, error: String(err?.message ?? err), at: Date.now() }),
      );
    },
  };
  const s = live.status;
  const connText = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'disconnected, retrying…' }[live.conn];
  return html`
    <header>
      <h1>frogpond <span class="peer">peer ${s?.peer ?? '…'}</span></h1>
      <p class="conn" role="status" aria-live="polite" data-conn=${live.conn}>
        <span class=${`dot c-${live.conn}`} aria-hidden="true"></span> ${connText}${live.syncedAt ? ` · synced ${time(live.syncedAt)}` : ''}
      </p>
      <nav aria-label="sections"><a href="#group">Group</a> <a href="#applications">Applications</a> <a href="#state">State space</a> <a href="#events">Events</a> <a href="#history">History</a></nav>
    </header>
    ${live.error && html`<p class="error banner" role="alert">${live.error}</p>`}
    ${!s ? html`<main><p>Loading…</p></main>` : html`
    <main>
      <${Section} id="group" title="Group"><${Group} status=${s} /></${Section}>
      <${Section} id="applications" title="Applications"><${Applications} status=${s} attrs=${attributes} /></${Section}>
      <${Section} id="events" title="Recent events"><${Events} live=${live} /></${Section}>
      <${Section} id="state" title="State space"><${StateSpace} status=${s} /></${Section}>
      <${Section} id="history" title="Ended applications"><${History} status=${s} /></${Section}>
    </main>`}
    <footer><small>${views(s).length} of ${(s?.peers ?? []).length} peers answered · read-only</small></footer>`;
}

const live = new Live(() => undefined);
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} live=${live} />`, root);
