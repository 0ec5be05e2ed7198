/**
 * The function phase (docs/design/language.md §7.4): visiting descriptions bottom-up, one that carries
 * `phase.function` is replaced in its parent by a canonical function (`ConstructFunction`),
 * assertion (`ConstructAssertions`) or schema (`ConstructSchema`). A root-level description
 * is left as it is.
 *
 * A template and every copy of it made by `extends` carry the same mistake at the same
 * place: it is reported once, at that place, with the path of the first copy visited.
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import { FUNCTION_IDS } from '../functions/ids.js';
import { badClassParameter } from '../functions/predicates.js';
import { Applied, Description, ownAttr, Visited, type Attr, type Value } from '../core/values.js';

const PHASE_ATTR = 'phase.function';

/** SmartFrog's package of the phase actions; its own `functions.sf` and `predicates.sf` name them by class. */
const ACTION_PACKAGE = 'org.smartfrog.sfcore.languages.sf.';

/**
 * The short name of a phase action: `ConstructFunction` and
 * `org.smartfrog.sfcore.languages.sf.ConstructFunction` name the same one (docs/design/language.md §7.4).
 */
function actionName(action: string): string {
  return action.startsWith(ACTION_PACKAGE) ? action.slice(ACTION_PACKAGE.length) : action;
}

/** Where the phase reports: each (code, place) once. */
interface Reporter {
  add(d: Diagnostic): void;
}

export function functionPhase(root: Description, diagnostics: { add(d: Diagnostic): unknown }): void {
  const reported = new Set<string>();
  const reporter: Reporter = {
    add(d) {
      const key = d.span ? `${d.code} ${d.span.file} ${d.span.start} ${d.span.end}` : undefined;
      if (key !== undefined) {
        if (reported.has(key)) return;
        reported.add(key);
      }
      diagnostics.add(d);
    },
  };
  visitDescription(root, reporter, new Visited());
}

function visitDescription(cd: Description, diagnostics: Reporter, seen: Visited): void {
  if (seen.has(cd)) return;
  seen.add(cd);
  for (const [name, attr] of cd.attrs) {
    const v = visitValue(attr.value, cd, diagnostics, seen);
    // Written only when it changes: an attribute shared by `extends` copies is not (§18).
    if (v !== attr.value) ownAttr(cd.attrs, name, attr).value = v;
  }
}

function visitValue(v: Value, holder: Description, diagnostics: Reporter, seen: Visited): Value {
  if (v instanceof Description) {
    visitDescription(v, diagnostics, seen);
    const action = v.get(PHASE_ATTR);
    if (action === undefined) return v;
    return construct(v, String(action), holder, diagnostics) ?? v;
  }
  if (v instanceof Applied) {
    visitDescription(v.body, diagnostics, seen);
    return v;
  }
  if (Array.isArray(v)) return v.map((item) => visitValue(item, holder, diagnostics, seen));
  return v;
}

function construct(cd: Description, action: string, holder: Description, diagnostics: Reporter): Applied | undefined {
  const path = { toString: () => `${holder.path() === 'ROOT' ? '' : holder.path() + ':'}${holder.nameOf(cd) ?? '?'}` };
  switch (actionName(action)) {
    case 'ConstructFunction': {
      if (!cd.has('sfFunctionClass')) {
        diagnostics.add(diagnostic(Messages.FunctionClassMissing, { path }, cd.span));
        return undefined;
      }
      const body = bodyWithout(cd, [PHASE_ATTR]);
      return new Applied('apply', body, cd.get('sfFunctionLazy') === true, false, cd.span);
    }
    case 'ConstructAssertions': {
      const body = new Description();
      body.eager = false;
      body.span = cd.span;
      body.set('sfFunctionClass', FUNCTION_IDS.checkAssertions);
      copyAttrs(cd, body, [PHASE_ATTR, 'sfFunctionClass']);
      return new Applied('assert', body, false, false, cd.span);
    }
    case 'ConstructSchema': {
      const body = new Description();
      body.eager = false;
      body.span = cd.span;
      let ok = true;
      for (const [name, attr] of cd.attrs) {
        if (name === PHASE_ATTR || name === 'sfAssertionPhase' || name === 'sfSchemaDescription' || name === 'sfFunctionClass' || name === 'sfSchemaUnlisted') continue;
        if (!(attr.value instanceof Applied) || attr.value.kind !== 'apply') {
          diagnostics.add(diagnostic(Messages.SchemaElementNotDescription, { name, path }, attr.span ?? cd.span));
          ok = false;
          continue;
        }
        const classAttr = attr.value.body.attrs.get('class');
        const badClass = classAttr && badClassParameter(classAttr.value);
        if (classAttr && badClass) {
          diagnostics.add(diagnostic(Messages.SchemaBadClassParameter, { name, path, found: badClass }, classAttr.span ?? attr.span ?? cd.span));
          ok = false;
          continue;
        }
        attr.value.body.set('name', name);
        body.attrs.set(name, { ...attr });
        attr.value.body.parent = body;
      }
      body.set('sfFunctionClass', FUNCTION_IDS.checkAssertions);
      // `sfSchemaDescription` is prose for readers: it is not part of the assertion.
      const phase = cd.attrs.get('sfAssertionPhase');
      if (phase) body.attrs.set('sfAssertionPhase', { ...phase });
      // What an attribute the schema does not list gets (§11.3).
      const unlisted = cd.attrs.get('sfSchemaUnlisted');
      if (unlisted) body.attrs.set('sfSchemaUnlisted', { ...unlisted });
      return ok ? new Applied('assert', body, false, false, cd.span) : undefined;
    }
    default:
      diagnostics.add(diagnostic(Messages.UnknownPhaseAction, { action, phase: 'function', path }, cd.attrs.get(PHASE_ATTR)?.span ?? cd.span));
      return undefined;
  }
}

function bodyWithout(cd: Description, skip: string[]): Description {
  const body = new Description();
  body.eager = false;
  body.span = cd.span;
  copyAttrs(cd, body, skip);
  return body;
}

function copyAttrs(from: Description, to: Description, skip: string[]): void {
  for (const [name, attr] of from.attrs) {
    if (skip.includes(name)) continue;
    const a: Attr = { ...attr };
    to.attrs.set(name, a);
    if (a.value instanceof Description) a.value.parent = to;
  }
}
