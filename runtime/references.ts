/**
 * Run-time resolution of LAZY references and lazy functions against the live component
 * tree (components.md §5.3, language.md §6). PARENT, ROOT and ATTRIB walk the component
 * tree; HERE/WORD look into a component's attributes, then its live children, then its
 * child descriptions, and descend into description values as at compile time.
 */
import { Applied, Description, Ref, refText, type RefPart, type Value } from '../compiler/values.js';
import { Messages, formatMessage } from '../language/messages.js';
import { parseReferenceText } from './codec.js';
import { checkAssertions, lookupFunction, type FunctionContext } from '../compiler/functions/index.js';
import { ReferenceError, errorText } from './lifecycle.js';
import type { Prim, RuntimeValue } from './component.js';

/** The component an attribute description belongs to (descriptions have no pointer to it). */
const owners = new WeakMap<Description, Prim>();

export function setOwner(d: Description, owner: Prim): void {
  owners.set(d, owner);
}

type Cursor = Prim | Description | ProcessScope;

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
    const text = formatMessage(Messages.RuntimeReference, { ref: this.ref.toString(), path: this.component.path, reason });
    throw new ReferenceError(text, this.component.path, Messages.RuntimeReference.code);
  }
}

function parentOf(c: Cursor, r: Resolution): Cursor | undefined {
  if (c instanceof ProcessScope) return undefined;
  if (isPrim(c)) return c.parent ?? undefined;
  if (c.parent) return c.parent;
  const owner = owners.get(c);
  if (owner) return owner;
  void r;
  return undefined;
}

function nameOfCursor(c: Cursor): string {
  if (c instanceof ProcessScope) return 'PROCESS';
  if (isPrim(c)) return c.path;
  const owner = owners.get(c.root());
  return owner ? `${owner.path}:${c.path()}` : c.path();
}

/** Looks a name up in one context only. `undefined` when it is not there. */
function lookupHere(c: Cursor, name: string, r: Resolution, skipSelf = false): { value: RuntimeValue } | undefined {
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
    return d ? { value: d } : undefined;
  }
  const attr = c.attrs.get(name);
  if (!attr || (skipSelf && attr.value === r.ref)) return undefined;
  return { value: resolveValue(attr.value, c, r.component, r.depth + 1) };
}

function asCursor(v: RuntimeValue, part: string, r: Resolution): Cursor {
  if (isPrim(v) || v instanceof Description) return v;
  return r.fail(`\`${part}\` is not a component or a description`);
}

/** Resolves a reference from a context (`from`: the component, or a description inside it). */
export function resolveReference(ref: Ref, from: Prim | Description, component: Prim, depth = 0): RuntimeValue {
  const r = new Resolution(component, ref, depth);
  if (depth > MAX_DEPTH) r.fail('the references form a cycle');
  try {
    return walk(ref.parts, from, r);
  } catch (e) {
    if (ref.optional) return ref.defaultValue !== undefined ? ref.defaultValue : null;
    throw e;
  }
}

function walk(parts: readonly RefPart[], from: Cursor, r: Resolution): RuntimeValue {
  let cursor: Cursor = from;
  let value: RuntimeValue = isPrim(from) || from instanceof Description ? from : null;
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
        let found: { value: RuntimeValue } | undefined;
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

/** Evaluates a lazy function or assertion now (language.md §10.3) in the holder's context. */
export function evaluateApplied(a: Applied, holder: Prim | Description, component: Prim, depth = 0): RuntimeValue {
  const body = a.body;
  if (isPrim(holder)) setOwner(body, holder);
  else body.parent = holder;
  const fn = body.get('sfFunctionClass');
  const fnName = typeof fn === 'string' ? fn : '?';
  const fail = (reason: string): never => {
    throw new ReferenceError(formatMessage(Messages.RuntimeFunction, { fn: fnName, path: component.path, reason }), component.path, Messages.RuntimeFunction.code);
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
    // Predicates: every operand not starting with `sf` must be true (language.md §11).
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
    throw new ReferenceError(
      formatMessage(Messages.RuntimeReference, { ref: text, path, reason: errorText(e) }),
      path,
      Messages.RuntimeReference.code,
    );
  }
}
