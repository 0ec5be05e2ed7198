/**
 * docs/components.md, generated from the standard library: every standard component with the
 * comment written above it in its `.sf` file and a table of the attributes its schema
 * (`sfPrimSchema`) lists. The schemas are read by resolving `/frog/components.sf` with the
 * phase list `[| "type" |]`: after type resolution every prototype is a plain description with
 * its inherited attributes, and its schema's elements are still descriptions holding `class`,
 * `optional`, `values`, `min`, `max` and `description` (the function phase would turn them into
 * predicates). Nothing here is written by hand apart from the page's introduction, so the page
 * cannot drift from the library: test/docs/generated.test.ts compares it with this output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STDLIB_ROOT, resolveFile } from '../../compiler/index.js';
import { valueText } from '../../compiler/unparse.js';
import { Messages } from '../../core/messages/index.js';
import { Applied, Description, type Value } from '../../core/values.js';
import { FUNCTION_IDS } from '../../functions/ids.js';
import { parse } from '../../language/index.js';
import { cell, code } from './markdown.js';

/** The library files whose components are listed, in this order, with a heading each. */
export const COMPONENT_FILES: readonly { file: string; title: string; intro: string }[] = [
  {
    file: '/org/smartfrog/components.sf',
    title: 'Core prototypes',
    intro:
      'The prototypes every component extends. Their `sf*` attributes are shared by every component below; the other sections list only the attributes a component adds, and say which `sf*` values it sets.',
  },
  {
    file: '/org/smartfrog/sfcore/workflow/components.sf',
    title: 'Workflow components and conditions',
    intro: 'The combinators run their eager child descriptions (their actions) as each one decides. Times are in milliseconds.',
  },
  {
    file: '/frog/components.sf',
    title: "frogpond's components",
    intro: 'Components that do real work: programs, files, probes, and the state space.',
  },
];

/** Attributes of a schema that are settings of the schema itself, not elements. */
const SCHEMA_SETTINGS = new Set(['phase.function', 'sfAssertionPhase', 'sfSchemaDescription', 'sfFunctionClass', 'sfSchemaUnlisted']);

/** SmartFrog's class identifiers, as the tables name them. */
const CLASS_NAMES: Record<string, string> = {
  'java.lang.String': 'String',
  'java.lang.Integer': 'Integer',
  'java.lang.Long': 'Long',
  'java.lang.Float': 'Float',
  'java.lang.Double': 'Double',
  'java.lang.Number': 'number',
  'java.lang.Boolean': 'Boolean',
  'java.util.Vector': 'vector',
  'java.net.InetAddress': 'String',
  'org.smartfrog.sfcore.componentdescription.ComponentDescription': 'description',
  'org.smartfrog.sfcore.languages.sf.sfreference.SFReference': 'reference',
  'org.smartfrog.sfcore.languages.sf.sfreference.SFApplyReference': 'reference',
  'org.smartfrog.sfcore.common.SFNull': 'NULL',
  anyClass: 'any',
};

/** The class lists of predicates.sf's typed entries, named as the entry is. */
const CLASS_SETS: readonly [readonly string[], string][] = [
  [['Long', 'Integer'], 'Long'],
  [['Float', 'Integer'], 'Float'],
  [['Double', 'Float', 'Long', 'Integer'], 'number'],
];

/**
 * What the `sf*` attributes of the core schemas are for. Their schema elements carry no
 * `description` (it would change the wording of every message about them), so the page takes
 * it from here; the test fails when a listed attribute has neither.
 */
export const SF_ATTRIBUTES: Readonly<Record<string, string>> = {
  sfClass: 'the component type: a standard name, a SmartFrog class name, or a module `"./file.ts#Export"`',
  sfDeployerClass: 'accepted for SmartFrog and ignored',
  sfProcessHost: 'the peer (its `--name`) that runs this component and its children',
  sfProcessName: 'accepted for SmartFrog and ignored',
  sfProcessComponentName: 'accepted for SmartFrog and ignored',
  sfLivenessDelay: 'seconds between liveness pings, inherited down the tree (0: off; peer default 15)',
  sfLivenessFactor: 'missed pings tolerated before a failure (peer default 2)',
  sfSyncTerminate: 'children terminate one at a time, the last created first',
  sfShouldDetach: 'when its work is done, detach from its parent first',
  sfShouldTerminate: 'when its work is done, terminate',
  sfShouldTerminateQuietly: 'when its work is done, terminate without telling its parent',
};

export interface AttributeDoc {
  name: string;
  type: string;
  required: boolean;
  /** The prototype's own value, as `.sf` text; absent when it has none. */
  default?: string;
  /** Allowed values or range, as text; absent when any value of the type is allowed. */
  allowed?: string;
  description?: string;
}

export interface ComponentDoc {
  name: string;
  file: string;
  /** The comment written above the prototype (or above its schema, written just before it). */
  comment: string;
  /** The prototype it extends, as written. */
  extends?: string;
  /** The schema's `sfSchemaUnlisted`, when it has one. */
  unlisted?: string;
  attributes: AttributeDoc[];
  /** `sf*` attributes the prototype sets a value for, as `.sf` text. */
  sfValues: [string, string][];
}

/** The elements of a vector, whether a literal vector or a `[ ... ]` not yet evaluated. */
function vectorItems(v: Value | undefined): Value[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof Applied && v.body.get('sfFunctionClass') === FUNCTION_IDS.vector) {
    return [...v.body.attrs].filter(([n]) => !n.startsWith('sf') && !n.startsWith('phase.')).map(([, a]) => a.value);
  }
  return undefined;
}

function text(v: Value): string {
  const items = vectorItems(v);
  if (items) return items.length === 0 ? '[]' : `[${items.map(text).join(', ')}]`;
  if (v instanceof Description) return '{ ... }';
  return valueText(v);
}

function typeOf(element: Description): string {
  const cls = element.get('class');
  const raw = (vectorItems(cls) ?? [cls]).filter((c): c is string => typeof c === 'string');
  const names = [...new Set(raw.map((c) => CLASS_NAMES[c] ?? c))];
  for (const [set, name] of CLASS_SETS) if (names.length === set.length && set.every((s) => names.includes(s))) return name;
  const type = names.length === 0 ? 'any' : names.join(' or ');
  const binding = element.get('binding');
  return binding === 'lazy' ? `${type} (LAZY)` : binding === 'eager' ? `${type} (eager)` : type;
}

function allowedOf(element: Description): string | undefined {
  const values = vectorItems(element.get('values'));
  const parts: string[] = [];
  if (values) parts.push(values.map((v) => code(text(v))).join(', '));
  const min = element.get('min');
  const max = element.get('max');
  if (min !== undefined && max !== undefined) parts.push(`${text(min)} to ${text(max)}`);
  else if (min !== undefined) parts.push(`≥ ${text(min)}`);
  else if (max !== undefined) parts.push(`≤ ${text(max)}`);
  return parts.length ? parts.join('; ') : undefined;
}

/** The comment block (`//` lines) that ends on the line just above `offset`, without the slashes. */
export function commentAbove(source: string, offset: number): string {
  const lines = source.slice(0, offset).split('\n');
  lines.pop(); // the start of the definition's own line
  const out: string[] = [];
  while (lines.length && /^\s*\/\//.test(lines[lines.length - 1]!)) out.unshift(lines.pop()!.replace(/^\s*\/\/ ?/, ''));
  return out.join('\n');
}

/** Top-level definitions of a library file, in order: name, offset, and the first prototype written. */
function definitions(file: string): { name: string; offset: number; proto?: string }[] {
  const path = join(STDLIB_ROOT, file);
  const { ast } = parse(readFileSync(path, 'utf8'), path);
  const out: { name: string; offset: number; proto?: string }[] = [];
  for (const m of ast.members) {
    if (m.kind !== 'Attribute' || m.name.kind !== 'Name' || m.name.parts.length !== 1) continue;
    const proto = m.value.kind === 'Component' ? m.value.prototypes.find((p) => p.kind === 'Reference') : undefined;
    out.push({ name: m.name.parts[0]!, offset: m.span.start, proto: proto ? refName(proto) : undefined });
  }
  return out;
}

function refName(ref: unknown): string | undefined {
  const parts = (ref as { parts?: { kind: string; name?: string }[] }).parts;
  return parts?.map((p) => p.name ?? p.kind).join(':');
}

/** The standard library's prototypes, resolved by type only (see the module comment). */
export function libraryPrototypes(): Description {
  const r = resolveFile(join(STDLIB_ROOT, 'frog', 'component-docs.sf'), {
    text: '#include "/frog/components.sf"\nphaseList [| "type" |];\n',
  });
  if (!r.description) throw new Error(`the standard library does not resolve: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.description;
}

/** Every standard component, file by file, in the order the files define them. */
export function componentDocs(): ComponentDoc[] {
  const root = libraryPrototypes();
  const docs: ComponentDoc[] = [];
  for (const { file } of COMPONENT_FILES) {
    const source = readFileSync(join(STDLIB_ROOT, file), 'utf8');
    const defs = definitions(file);
    defs.forEach((def, i) => {
      const proto = root.get(def.name);
      if (!(proto instanceof Description)) return;
      const schema = proto.get('sfPrimSchema');
      if (!(schema instanceof Description)) return;
      let comment = commentAbove(source, def.offset);
      // The library writes a component's comment above its schema when the schema comes just before it.
      const previous = defs[i - 1];
      if (!comment && previous && previous.name === schemaName(source, def.offset)) comment = commentAbove(source, previous.offset);
      const core = file === COMPONENT_FILES[0]!.file;
      // The core prototypes after Prim list only what they add to Prim's.
      const prim = core && def.name !== 'Prim' ? root.get('Prim') : undefined;
      const primSchema = prim instanceof Description ? prim.get('sfPrimSchema') : undefined;
      const attributes: AttributeDoc[] = [];
      for (const [name, attr] of schema.attrs) {
        if (SCHEMA_SETTINGS.has(name) || !(attr.value instanceof Description)) continue;
        if (!core && name.startsWith('sf')) continue;
        if (primSchema instanceof Description && primSchema.has(name)) continue;
        const element = attr.value;
        const own = proto.attrs.get(name);
        const given = element.get('description');
        const description = typeof given === 'string' && given !== '' ? given : SF_ATTRIBUTES[name];
        attributes.push({
          name,
          type: typeOf(element),
          required: element.get('optional') !== true,
          ...(own !== undefined ? { default: text(own.value) } : {}),
          ...(allowedOf(element) ? { allowed: allowedOf(element) } : {}),
          ...(description !== undefined ? { description } : {}),
        });
      }
      const sfValues: [string, string][] = core
        ? []
        : [...proto.attrs].filter(([n]) => n.startsWith('sf') && n !== 'sfPrimSchema').map(([n, a]) => [n, text(a.value)]);
      const unlisted = schema.get('sfSchemaUnlisted');
      docs.push({
        name: def.name,
        file,
        comment,
        ...(def.proto ? { extends: def.proto } : {}),
        ...(typeof unlisted === 'string' ? { unlisted } : {}),
        attributes,
        sfValues,
      });
    });
  }
  return docs;
}

/** The schema named in `sfPrimSchema extends X` within the definition starting at `offset`. */
function schemaName(source: string, offset: number): string | undefined {
  const end = source.indexOf('\n}', offset);
  return /sfPrimSchema\s+extends\s+([\w.]+)/.exec(source.slice(offset, end < 0 ? undefined : end))?.[1];
}

const UNLISTED: Record<string, string> = {
  warn: '`frog validate` warns of any other attribute (closed schema), apart from `sf*` attributes and child components.',
  slips: '`frog validate` warns of another attribute only when its name is a slip away from a listed one (it may hold data for the actions).',
};

function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '');
}

/** docs/components.md. */
export function componentsPage(): string {
  const docs = componentDocs();
  const out: string[] = [
    '<!-- Generated by `npm run docs` from the schemas of library/**/*.sf (tools/docs/components.ts): do not edit. -->',
    '',
    '# Standard components',
    '',
    'Every component that `#include "/frog/components.sf"` brings, with what it reads. This page is generated from the',
    'components\' schemas (each prototype\'s `sfPrimSchema`), the same schemas `frog validate` checks a description',
    'against, so what it says is what is checked.',
    '',
    'In the tables: **type** is the kind of value the attribute takes (`Long` is a whole number, written `5` or `5L`;',
    '`number` is any number; `description` is a `{ ... }` block; `vector` is `[a, b]`); **required** says whether the',
    'description must set it; **default** is the prototype\'s own value, used when the description does not set it;',
    '**allowed** lists the only values accepted, or the range of a number (both ends included). A value outside them is',
    `an error of \`frog validate\` (${[Messages.SchemaWrongClass, Messages.SchemaNotAllowed, Messages.SchemaOutOfRange].map((m) => `[${m.code}](troubleshooting.md#${m.code.toLowerCase()})`).join(', ')}), reported where the`,
    'value is written. A value marked `LAZY` is only checked when the component reads it.',
    '',
  ];
  for (const { file, title } of COMPONENT_FILES) {
    const here = docs.filter((d) => d.file === file);
    out.push(`- ${title}: ${here.map((d) => `[${d.name}](#${anchor(d.name)})`).join(', ')}`);
  }
  out.push('');
  for (const { file, title, intro } of COMPONENT_FILES) {
    out.push(`## ${title}`, '', `From \`#include "${file}"\`. ${intro}`, '');
    for (const d of docs.filter((x) => x.file === file)) {
      out.push(`### ${d.name}`, '');
      out.push(`\`${d.name} extends ${d.extends ?? '{ }'}\``, '');
      if (d.comment) out.push(d.comment.split('\n').join('\n'), '');
      if (d.file === COMPONENT_FILES[0]!.file && d.name !== 'Prim') out.push(`Also the attributes of [Prim](#prim).`, '');
      if (d.attributes.length) {
        out.push('| attribute | type | required | default | allowed | description |', '| --- | --- | --- | --- | --- | --- |');
        for (const a of d.attributes) {
          out.push(
            `| \`${a.name}\` | ${cell(a.type)} | ${a.required ? 'yes' : 'no'} | ${a.default !== undefined ? code(a.default) : ''} | ${cell(a.allowed ?? '')} | ${cell(a.description ?? '')} |`,
          );
        }
        out.push('');
      } else {
        out.push('Its schema lists no attribute of its own.', '');
      }
      if (d.sfValues.length) out.push(`Sets: ${d.sfValues.map(([n, v]) => code(`${n} ${v}`)).join(', ')}.`, '');
      if (d.unlisted && UNLISTED[d.unlisted]) out.push(UNLISTED[d.unlisted]!, '');
    }
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
