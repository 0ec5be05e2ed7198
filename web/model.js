// The web view's model (docs/design/control.md §13.1): the answer of `GET /api/status` (the
// group and every application across peers), kept current by the events of `GET /api/events`.
// Pure functions over plain objects, with no DOM: the page (app.js) and the tests use them alike.
//
// An event the model can apply changes it in place (a component of this peer changed state); an
// event it cannot apply in full (a member joined or failed, a proxy whose part runs on another
// peer changed, an application started or ended, events were dropped) asks for a fresh status.

/** The lifecycle states a component event may name. */
export const LIFECYCLE = ['deploying', 'deployed', 'starting', 'running', 'terminating', 'terminated', 'failed', 'recovering'];

/** The group's membership events (as `frog peer --events json` writes them). */
export const MEMBERSHIP = ['joined', 'left', 'stable', 'unstable', 'leader', 'connected', 'disconnected', 'conflict', 'refused', 'clock-step'];

/** How many recent events the page keeps. */
export const MAX_EVENTS = 300;

/** Depth-first walk of a component tree, bounded (a tree is never deeper than this). */
export function* walk(node, depth = 0) {
  if (!node || depth > 200) return;
  yield node;
  for (const c of node.children ?? []) yield* walk(c, depth + 1);
}

/** The component of application `app` at `path` run by `peer`, or undefined. */
export function findComponent(status, app, path, peer) {
  for (const a of status?.applications ?? []) {
    if (a.name !== app) continue;
    for (const n of walk(a.root)) if (n.path === path && n.peer === peer) return n;
  }
  return undefined;
}

/**
 * Applies one event to the status, in place. Returns `'applied'`, `'resync'` (the status must be
 * fetched again to show it) or `'ignored'` (nothing in the status changes: output, logs).
 */
export function applyEvent(status, e) {
  if (!e || typeof e !== 'object') return 'ignored';
  const name = String(e.event ?? '');
  if (name === 'dropped' || name === 'recovered') return 'resync';
  if (MEMBERSHIP.includes(name)) return 'resync';
  if (!LIFECYCLE.includes(name)) return 'ignored';
  if (typeof e.app !== 'string') return 'resync';
  const path = typeof e.path === 'string' ? e.path : String(e.subject ?? '');
  const node = findComponent(status, e.app, path, e.peer);
  // A proxy (its part is grafted in its place, run by another peer), a new application or part.
  if (!node || node.remote) return 'resync';
  node.state = name;
  // An end changes more than a state: the history, the application list, a parent's reaction.
  if (name === 'terminated' || name === 'failed') return 'resync';
  return 'applied';
}

/** Adds an event to the recent list (newest last), keeping at most MAX_EVENTS. */
export function remember(events, e) {
  events.push(e);
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  return events;
}

/** The events that pass the filters (`''` passes all). */
export function filterEvents(events, app, peer) {
  return events.filter((e) => (!app || e.app === app) && (!peer || e.peer === peer));
}

/** One line of text for an event: what happened to what, and why. */
export function describeEvent(e) {
  const parts = [String(e.event ?? ''), String(e.path ?? e.subject ?? '')];
  if (e.record && typeof e.record === 'object') parts.push(`${e.record.type ?? ''}: ${e.record.reason ?? ''}`);
  else if (typeof e.text === 'string') parts.push(e.text);
  else if (typeof e.reason === 'string') parts.push(e.reason);
  else if (Array.isArray(e.members)) parts.push(`members ${e.members.join(', ')}`);
  else if (typeof e.leader === 'string') parts.push(`leader ${e.leader}`);
  return parts.filter(Boolean).join(' ');
}

/** The peers' views that answered (not `{ peer, error }`). */
export function views(status) {
  return (status?.peers ?? []).filter((p) => p && Array.isArray(p.members));
}

/** The viewing peer's own view. */
export function ownView(status) {
  return views(status).find((p) => p.peer === status?.peer);
}

/**
 * Whether the status shows something that ends without an event: a suspected member becomes
 * failed when the group forgets its record (after the profile's quiescence time), and the group
 * says nothing then. While this holds the page asks for the status again, once a second.
 */
export function settling(status) {
  return (ownView(status)?.members ?? []).some((m) => m.state === 'suspected');
}

/** Every state-space name some peer provides: name → the peers that provide it, sorted. */
export function stateNames(status) {
  const names = new Map();
  for (const v of views(status)) for (const n of v.provides ?? []) names.set(n, [...(names.get(n) ?? []), v.peer]);
  return [...names.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Application names and peer names, for the event filters. */
export function filterChoices(status, events) {
  const apps = new Set((status?.applications ?? []).map((a) => a.name));
  const peers = new Set();
  for (const v of status?.peers ?? []) peers.add(v.peer);
  for (const m of ownView(status)?.members ?? []) peers.add(m.name);
  for (const e of events) {
    if (typeof e.app === 'string') apps.add(e.app);
    if (typeof e.peer === 'string') peers.add(e.peer);
  }
  return { apps: [...apps].sort(), peers: [...peers].sort() };
}

/** The sum of a peer's dropped datagrams over their reasons. */
export function droppedTotal(counters) {
  const d = counters?.datagramsDropped;
  if (!d || typeof d !== 'object') return 0;
  return Object.values(d).reduce((s, n) => s + (typeof n === 'number' ? n : 0), 0);
}

/** The attributes of a component from a status fetched with `?attributes=1`. */
export function attributesOf(status, app, path, peer) {
  return findComponent(status, app, path, peer)?.attributes;
}
