/**
 * Run-time resolution of LAZY references and lazy functions against the live component
 * tree (docs/design/components.md §5.3, docs/design/language.md §6). PARENT, ROOT and ATTRIB walk the component
 * tree; HERE/WORD look into a component's attributes, then its live children, then its
 * child descriptions, and descend into description values as at compile time.
 *
 * Across peers: where a walk leaves the part of the tree this peer runs — down
 * into a subtree placed on another peer (past its proxy), or up from the root of a subtree
 * placed here into its parent — it continues at a `RemoteCursor`: a place (application and
 * complete path) read through the state space, where every component publishes its state and
 * attributes as `app/<application>/<path>` (runtime/peer-state.ts). The `RemoteTree` bound to
 * the host (runtime/peer-references.ts) says where the boundaries are and reads the places.
 * A place this peer runs after all is continued on the live component. Reads are synchronous
 * and never wait: a place with no live provider fails with SF4410 naming the reference and
 * why (not visible yet, ended with its record, or published by no peer); the peer looks a
 * component's references up before it starts, so their first values are already here.
 */
import { Applied, Description, Ref, refText, type RefPart, type Value } from '../../core/values.js';
import { Messages } from '../../core/messages/index.js';
import { parseRefText as parseReferenceText } from '../../core/ref-text.js';
import { checkAssertions, lookupFunction, type FunctionContext } from '../../functions/index.js';
import { UnresolvedReferenceError, errorText } from './lifecycle.js';
import type { Prim, RuntimeValue } from './component.js';

/** The component an attribute description belongs to (descriptions have no pointer to it). */
const owners = new WeakMap<Description, Prim>();

export function setOwner(d: Description, owner: Prim): void {
  owners.set(d, owner);
}

type Cursor = Prim | Description | ProcessScope | RemoteCursor;

/** A place in an application's tree; `instance` restricts it to one copy of a placed subtree. */
export interface RemotePlace {
  app: string;
  path: string;
  instance?: string;
}

/** What a component on another peer shows through the state space. */
export interface RemoteEntry {
  peer: string;
  /** Its published attributes, as values (references as their text). */
  attributes: ReadonlyMap<string, Value>;
  /** The attributes holding LAZY references (their text is resolved from the place). */
  refs: ReadonlySet<string>;
  /** The instance of the placed subtree it belongs to, if any. */
  instance?: string;
}

/** Where the local fragment of an application ends, and what lies beyond (bound per host). */
export interface RemoteTree {
  /** The place of child `name` of `c` when `c` stands for a subtree placed on another peer. */
  below(c: Prim, name: string): RemotePlace | undefined;
  /** The place of the parent of `root` when it is the root of a subtree placed here. */
  above(root: Prim): RemotePlace | undefined;
  /** The live component of this peer at a place, if this peer runs it. */
  local(place: RemotePlace): Prim | undefined;
  /** The live component published at a place, or the reason there is none; `probe`: only checking that it exists. */
  read(place: RemotePlace, probe?: boolean): RemoteEntry | { missing: string };
}

const remoteTrees = new WeakMap<object, RemoteTree>();

/** Makes references resolved by components of `host` cross into other peers through `tree`. */
export function bindRemoteTree(host: object, tree: RemoteTree): void {
  remoteTrees.set(host, tree);
}

/** A component on another peer, known by its place. */
class RemoteCursor {
  constructor(
    readonly place: RemotePlace,
    readonly tree: RemoteTree,
  ) {}

  entry(r: Resolution): RemoteEntry {
    const e = this.tree.read(this.place);
    if ('missing' in e) return r.failRemote(this.place, e.missing);
    return e;
  }

  get name(): string {
    return this.place.path;
  }
}

/** Descriptions read from another peer's attributes: PARENT from them is the remote component. */
const remoteOwners = new WeakMap<Description, RemoteCursor>();

/** The cursor for a place: the live component if this peer runs it, else a RemoteCursor. */
function placeCursor(place: RemotePlace, tree: RemoteTree): Prim | RemoteCursor {
  return tree.local(place) ?? new RemoteCursor(place, tree);
}

function parentPath(path: string): string | undefined {
  const i = path.lastIndexOf(':');
  return i > 0 ? path.slice(0, i) : undefined;
}

/** `PROCESS`: the applications of the host, by name. */
class ProcessScope {
  constructor(readonly from: Prim) {}
}

const MAX_DEPTH = 64;

/** Duck-typed test that avoids importing Prim's module at run time (it imports this one). */
function isPrim(c: unknown): c is Prim {
  return typeof c === 'object' && c !== null && 'sfDeployWith' in c;
}

class Resolution {
  constructor(
    readonly component: Prim,
    readonly ref: Ref,
    readonly depth: number,
  ) {}

  fail(reason: string): never {
    throw new UnresolvedReferenceError(Messages.RuntimeReference, { ref: this.ref.toString(), path: this.component.path, reason }, this.component.path);
  }

  failRemote(place: RemotePlace, reason: string): never {
    const params = { ref: this.ref.toString(), path: this.component.path, target: place.path, app: place.app, reason };
    throw new UnresolvedReferenceError(Messages.RemoteReference, params, this.component.path);
  }

  get tree(): RemoteTree | undefined {
    return remoteTrees.get(this.component.host);
  }
}

function parentOf(c: Cursor, r: Resolution): Cursor | undefined {
  if (c instanceof ProcessScope) return undefined;
  if (c instanceof RemoteCursor) {
    const up = parentPath(c.place.path);
    return up === undefined ? undefined : placeCursor({ app: c.place.app, path: up }, c.tree);
  }
  if (isPrim(c)) {
    if (c.parent) return c.parent;
    // The root of a subtree placed here: its parent runs on another peer.
    const tree = r.tree;
    const place = tree?.above(c);
    return place && tree ? placeCursor(place, tree) : undefined;
  }
  if (c.parent) return c.parent;
  return owners.get(c) ?? remoteOwners.get(c);
}

function nameOfCursor(c: Cursor): string {
  if (c instanceof ProcessScope) return 'PROCESS';
  if (c instanceof RemoteCursor) return c.place.path;
  if (isPrim(c)) return c.path;
  const owner = owners.get(c.root());
  return owner ? `${owner.path}:${c.path()}` : c.path();
}

type Found = { value: RuntimeValue | RemoteCursor };

/**
 * One name in a component on another peer: an attribute it publishes (a LAZY reference is
 * resolved from there), else its child of that name. While searching upwards (`probe`), a
 * child counts only if it is published; otherwise the next step reads it and says why not.
 */
function lookupRemote(c: RemoteCursor, name: string, r: Resolution, probe: boolean): Found | undefined {
  const e = c.entry(r);
  if (e.attributes.has(name)) {
    const v = e.attributes.get(name)!;
    if (e.refs.has(name) && typeof v === 'string') {
      // `server LAZY ATTRIB server`: an ATTRIB lookup does not find the attribute holding it.
      if (probe && v === r.ref.toString()) return undefined;
      let ref: Ref;
      try {
        ref = new Ref(parseReferenceText(v), true);
      } catch (err) {
        return r.failRemote(c.place, `holds the reference \`${v}\` in \`${name}\`, which cannot be read (${errorText(err)})`);
      }
      return { value: walkFrom(ref, c, r.component, r.depth + 1) };
    }
    if (v instanceof Description) remoteOwners.set(v, c);
    return { value: v };
  }
  const child: RemotePlace = { app: c.place.app, path: `${c.place.path}:${name}`, ...(e.instance ? { instance: e.instance } : {}) };
  const next = placeCursor(child, c.tree);
  if (probe && next instanceof RemoteCursor && 'missing' in c.tree.read(child, true)) return undefined;
  return { value: next };
}

/** Looks a name up in one context only. `undefined` when it is not there. */
function lookupHere(c: Cursor, name: string, r: Resolution, skipSelf = false): Found | undefined {
  if (c instanceof RemoteCursor) return lookupRemote(c, name, r, skipSelf);
  if (c instanceof ProcessScope) {
    const app = c.from.host.application(name);
    return app ? { value: app } : undefined;
  }
  if (isPrim(c)) {
    // `server LAZY ATTRIB server`: an ATTRIB lookup does not find the attribute holding it.
    if (c.hasAttribute(name) && !(skipSelf && c.rawAttribute(name) === r.ref)) return { value: resolveValue(c.rawAttribute(name)!, c, r.component, r.depth + 1) };
    const child = c.children.find((x) => x.name === name);
    if (child) return { value: child };
    const d = c.childDescription(name);
    if (d) return { value: d };
    // A proxy of a subtree placed on another peer: its children live there.
    const tree = r.tree;
    const place = tree?.below(c, name);
    if (!place || !tree) return undefined;
    const next = placeCursor(place, tree);
    if (skipSelf && next instanceof RemoteCursor && 'missing' in tree.read(place, true)) return undefined;
    return { value: next };
  }
  const attr = c.attrs.get(name);
  if (!attr || (skipSelf && attr.value === r.ref)) return undefined;
  return { value: resolveValue(attr.value, c, r.component, r.depth + 1) };
}

function asCursor(v: RuntimeValue | RemoteCursor, part: string, r: Resolution): Cursor {
  if (isPrim(v) || v instanceof Description || v instanceof RemoteCursor) return v;
  return r.fail(`\`${part}\` is not a component or a description`);
}

/** Resolves a reference from a context (`from`: the component, or a description inside it). */
export function resolveReference(ref: Ref, from: Prim | Description, component: Prim, depth = 0): RuntimeValue {
  return walkFrom(ref, from, component, depth);
}

function walkFrom(ref: Ref, from: Cursor, component: Prim, depth: number): RuntimeValue {
  const r = new Resolution(component, ref, depth);
  if (depth > MAX_DEPTH) r.fail('the references form a cycle');
  try {
    const v = walk(ref.parts, from, r);
    if (!(v instanceof RemoteCursor)) return v;
    // A component on another peer is not handed over: its attributes are.
    const e = v.entry(r);
    return r.failRemote(v.place, `is a component on peer \`${e.peer}\`, not a value (refer to one of its attributes, as in \`${ref.toString()}:NAME\`)`);
  } catch (e) {
    if (ref.optional) return ref.defaultValue !== undefined ? ref.defaultValue : null;
    throw e;
  }
}

function walk(parts: readonly RefPart[], from: Cursor, r: Resolution): RuntimeValue | RemoteCursor {
  let cursor: Cursor = from;
  let value: RuntimeValue | RemoteCursor = isPrim(from) || from instanceof Description || from instanceof RemoteCursor ? from : null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i > 0) cursor = asCursor(value, refText(parts.slice(0, i)), r);
    switch (part.kind) {
      case 'THIS':
        value = cursor instanceof ProcessScope ? r.fail('`THIS` of `PROCESS`') : cursor;
        break;
      case 'PARENT': {
        const p = parentOf(cursor, r);
        if (!p || p instanceof ProcessScope) r.fail(`\`${nameOfCursor(cursor)}\` has no parent`);
        value = p;
        break;
      }
      case 'ROOT': {
        let c: Cursor = cursor;
        for (let guard = 0; guard < 10_000; guard++) {
          const p = parentOf(c, r);
          if (!p || p instanceof ProcessScope) break;
          c = p;
        }
        value = c instanceof ProcessScope ? r.fail('`ROOT` of `PROCESS`') : c;
        break;
      }
      case 'PROCESS':
        value = null;
        cursor = new ProcessScope(r.component);
        // The next part looks up an application by name.
        if (i + 1 < parts.length) {
          const next = parts[++i];
          const found = lookupHere(cursor, next.name ?? '', r);
          if (!found) r.fail(`no application named \`${next.name}\` on this peer`);
          value = found.value;
        } else r.fail('`PROCESS` alone is not a value');
        break;
      case 'HOST':
        if (part.name === r.component.host.peer && i + 1 < parts.length) {
          const next = parts[++i];
          const found = lookupHere(new ProcessScope(r.component), next.name ?? '', r);
          if (!found) r.fail(`no application named \`${next.name}\` on this peer`);
          value = found.value;
        } else r.fail(`references to other peers (\`HOST ${part.name}\`) are not available in this runtime`);
        break;
      case 'HERE':
      case 'WORD':
      case 'ATTRIB': {
        const name = part.name ?? '';
        const searchUp = part.kind === 'ATTRIB' || (part.kind === 'WORD' && i === 0);
        let c: Cursor | undefined = cursor;
        let found: Found | undefined;
        for (let guard = 0; c && guard < 10_000; guard++) {
          found = lookupHere(c, name, r, searchUp);
          if (found || !searchUp) break;
          c = parentOf(c, r);
        }
        if (!found) r.fail(`\`${name}\` not found in \`${nameOfCursor(cursor)}\``);
        value = found.value;
        break;
      }
      case 'ENVPROPERTY':
      case 'PROPERTY':
      case 'IENVPROPERTY':
      case 'IPROPERTY': {
        const text = process.env[part.name ?? ''];
        if (text === undefined) r.fail(`the environment variable \`${part.name}\` is not set`);
        if (part.kind.startsWith('I')) {
          const n = Number(text);
          if (!Number.isInteger(n)) r.fail(`the environment variable \`${part.name}\` is not an integer`);
          value = n;
        } else value = text;
        break;
      }
      default:
        r.fail(`\`${part.kind}\` is not supported at run time`);
    }
  }
  return value;
}

/**
 * The value of an attribute as read: non-DATA references are resolved from the holder,
 * lazy functions evaluated, vectors resolved element by element; anything else as is.
 */
export function resolveValue(v: RuntimeValue, holder: Prim | Description, component: Prim, depth = 0): RuntimeValue {
  if (v instanceof Ref) return v.data ? v : resolveReference(v, holder, component, depth + 1);
  if (v instanceof Applied) return v.data ? v : evaluateApplied(v, holder, component, depth + 1);
  if (Array.isArray(v)) return v.some((x) => x instanceof Ref || x instanceof Applied) ? v.map((x) => resolveValue(x, holder, component, depth)) : v;
  return v;
}

const EXCLUDED_OPERANDS = new Set(['sfFunctionClass', 'sfFunctionLazy', 'sfFunctionData']);

/** Evaluates a lazy function or assertion now (docs/design/language.md §10.3) in the holder's context. */
export function evaluateApplied(a: Applied, holder: Prim | Description, component: Prim, depth = 0): RuntimeValue {
  const body = a.body;
  if (isPrim(holder)) setOwner(body, holder);
  else body.parent = holder;
  const fn = body.get('sfFunctionClass');
  const fnName = typeof fn === 'string' ? fn : '?';
  const fail = (reason: string): never => {
    throw new UnresolvedReferenceError(Messages.RuntimeFunction, { fn: fnName, path: component.path, reason }, component.path);
  };
  if (depth > MAX_DEPTH) fail('the references form a cycle');
  if (typeof fn !== 'string') fail('`sfFunctionClass` is missing');
  const operands: [string, Value][] = [];
  for (const [name, attr] of body.attrs) {
    if (EXCLUDED_OPERANDS.has(name) || name.startsWith('phase.')) continue;
    const v = resolveValue(attr.value, body, component, depth + 1);
    if (isPrim(v) || (Array.isArray(v) && v.some(isPrim))) fail(`operand \`${name}\` is a live component`);
    operands.push([name, v as Value]);
  }
  if (a.kind === 'assert') {
    // Predicates: every operand not starting with `sf` must be true (docs/design/language.md §11).
    const { failures } = checkAssertions(operands);
    if (failures.length) fail(failures.join('; '));
    return true;
  }
  const own = component.host.functions;
  const builtin = lookupFunction(fn as string);
  if (!own && !builtin) fail('unknown function class');
  try {
    if (own) {
      try {
        return own(fn as string, operands, body);
      } catch (e) {
        if (!builtin) throw e;
      }
    }
    const ctx: FunctionContext = {
      holder: body,
      state: { nextLast: -1 },
      random: Math.random,
      now: () => new Date(component.host.clock.now()),
      resolveReference: (text: string, lazy: boolean): Value => {
        const ref = new Ref(parseReferenceText(text), lazy);
        if (lazy) return ref;
        const v = resolveReference(ref, body, component, depth + 1);
        if (isPrim(v)) throw new Error(`\`${text}\` is a live component`);
        return v as Value;
      },
    };
    return builtin!(operands, ctx);
  } catch (e) {
    return fail(errorText(e));
  }
}

/** Parses reference text given by a component (`PARENT:x`); SF4006 on malformed text. */
export function parseRuntimeReference(text: string, path: string): Ref {
  try {
    return new Ref(parseReferenceText(text), true);
  } catch (e) {
    throw new UnresolvedReferenceError(Messages.RuntimeReference, { ref: text, path, reason: errorText(e) }, path);
  }
}
