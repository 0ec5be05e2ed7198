/**
 * Evaluation of a reference path against a context description (docs/design/language.md §6.2),
 * shared by the type, place and link phases. The phases differ only in what happens when
 * the walk enters a description (the type phase resolves its prototypes first) and how an
 * attribute's value is obtained (the link phase resolves chained references first); both
 * are hooks.
 */
import { Description, refText, type RefPart, type Value, type Attr } from '../core/values.js';

export interface LookupHooks {
  /** Called before looking inside a description. */
  enter(cd: Description): void;
  /** The value of an attribute found during the walk (may resolve it first). */
  value(holder: Description, name: string, attr: Attr): Value;
  /** Values for PROPERTY and ENVPROPERTY parts. */
  property?(kind: 'PROPERTY' | 'ENVPROPERTY', name: string): string | undefined;
}

export type LookupFailure =
  | { kind: 'notFound'; stoppedAt: string; name: string; scope?: Description; upward?: boolean }
  | { kind: 'throughValue'; stoppedAt: string; found: Value }
  | { kind: 'parentOfRoot'; stoppedAt: string }
  | { kind: 'unsupported'; part: string };

export type LookupResult = { ok: true; value: Value } | { ok: false; failure: LookupFailure };

export function lookupPath(start: Description, parts: readonly RefPart[], hooks: LookupHooks): LookupResult {
  let current: Value = start;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const at = (): string => {
      if (i === 0) return start.path();
      const prefix = parts.slice(0, i);
      const text = refText(prefix);
      // `PARENT`, `ROOT:PARENT`...: also say which description that was (the text is quoted by the message).
      if (current instanceof Description && prefix.every((p) => p.kind === 'PARENT' || p.kind === 'ROOT' || p.kind === 'THIS')) {
        const path = current.path();
        if (path !== text) return `${text}\`, that is \`${path}`;
      }
      return text;
    };
    switch (part.kind) {
      case 'THIS':
        if (!(current instanceof Description)) return { ok: false, failure: { kind: 'throughValue', stoppedAt: at(), found: current } };
        continue;
      case 'ROOT':
        if (!(current instanceof Description)) return { ok: false, failure: { kind: 'throughValue', stoppedAt: at(), found: current } };
        current = current.root();
        continue;
      case 'PARENT':
        if (!(current instanceof Description)) return { ok: false, failure: { kind: 'throughValue', stoppedAt: at(), found: current } };
        if (!current.parent) return { ok: false, failure: { kind: 'parentOfRoot', stoppedAt: at() } };
        current = current.parent;
        continue;
      case 'PROPERTY':
      case 'IPROPERTY':
      case 'ENVPROPERTY':
      case 'IENVPROPERTY': {
        const source = part.kind.includes('ENV') ? 'ENVPROPERTY' : 'PROPERTY';
        const text = hooks.property?.(source, part.name ?? '');
        if (text === undefined) return { ok: false, failure: { kind: 'notFound', stoppedAt: at(), name: `${part.kind} ${part.name}` } };
        if (part.kind.startsWith('I')) {
          const n = Number(text.trim());
          if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) {
            return { ok: false, failure: { kind: 'throughValue', stoppedAt: `${part.kind} ${part.name}`, found: text } };
          }
          return { ok: true, value: n };
        }
        // The rest of the path is ignored, as in SmartFrog.
        return { ok: true, value: text };
      }
      case 'HOST':
      case 'PROCESS':
      case 'CONSTANT':
        return { ok: false, failure: { kind: 'unsupported', part: part.kind } };
      default: {
        if (!(current instanceof Description)) return { ok: false, failure: { kind: 'throughValue', stoppedAt: at(), found: current } };
        const name = part.name ?? '';
        const upward = part.kind === 'ATTRIB' || (part.kind === 'WORD' && i === 0);
        const local = i === 0;
        let holder: Description | null = current;
        let found: Attr | undefined;
        while (holder) {
          hooks.enter(holder);
          const attr = holder.attrs.get(name);
          if (attr && !attr.placement && (local || !attr.tags?.has('sfLocal'))) {
            found = attr;
            break;
          }
          if (!upward) break;
          holder = holder.parent;
        }
        if (!found || !holder) return { ok: false, failure: { kind: 'notFound', stoppedAt: at(), name, scope: current, upward } };
        current = hooks.value(holder, name, found);
        if (current instanceof Description && i < parts.length - 1) hooks.enter(current);
      }
    }
  }
  return { ok: true, value: current };
}

/**
 * The names a reference that was not found could have meant: the attributes of the description
 * it was looked up in, and, for a lookup that searches upwards, of its parents, nearest first.
 */
export function* namesInScope(scope: Description, upward: boolean): Generator<string> {
  const seen = new Set<string>();
  for (let d: Description | null = scope; d; d = upward ? d.parent : null) {
    for (const name of d.attrs.keys()) {
      if (seen.has(name)) continue;
      seen.add(name);
      yield name;
    }
  }
}
