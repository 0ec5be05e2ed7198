/**
 * The fast path of `parse` (language/fast/) against the chevrotain path (language/chevrotain/).
 *
 * The contract under test: whenever the fast path accepts an input, the chevrotain path
 * reports no diagnostic for it and builds the same AST, spans, values and property order
 * included; and the fast path accepts every valid input of the corpora (conformance
 * cases, the standard library, the examples, the benchmark's generated text). A seeded
 * fuzz of mutated inputs checks the first half on inputs nobody wrote by hand.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTexts } from '../support/sf-texts.js';
import { lex } from '../../language/chevrotain/lexer.js';
import { MAX_NESTING, parse, parseWith } from '../../language/parse.js';
import { SourceFile } from '../../core/source.js';
import { failOnFastPathFailures } from './helpers.js';

failOnFastPathFailures();

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sfFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sfFiles(p, out);
    else if (name.endsWith('.sf')) out.push(p);
  }
  return out;
}

const corpus: { name: string; text: string }[] = [];
for (const dir of ['test/conformance', 'library', 'examples']) {
  for (const p of sfFiles(join(root, dir))) corpus.push({ name: relative(root, p), text: readFileSync(p, 'utf8') });
}

/**
 * Where two ASTs first differ, or undefined. Stricter than deepEqual on purpose: the
 * same property order (JSON output and printing depend on it), -0 apart from 0, and
 * byte arrays compared byte by byte.
 */
function difference(a: unknown, b: unknown, path = 'ast'): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (a === null || b === null || typeof a !== 'object') {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return `${path}: bytes vs not bytes`;
    return Buffer.from(a).equals(Buffer.from(b)) ? undefined : `${path}: different bytes`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs not array`;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.join(',') !== kb.join(',')) return `${path}: keys [${ka.join(',')}] vs [${kb.join(',')}]`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Runs both paths; `accepted` is false when the fast path bailed out. */
function compare(text: string): { accepted: boolean; clean: boolean; diff?: string } {
  const ref = parseWith('chevrotain', text, 'x.sf')!;
  const fast = parseWith('fast', text, 'x.sf');
  const clean = ref.diagnostics.length === 0;
  if (!fast) return { accepted: false, clean };
  if (!clean) return { accepted: true, clean, diff: `chevrotain reports ${ref.diagnostics[0].code} ${ref.diagnostics[0].message}` };
  return { accepted: true, clean, diff: difference(fast.ast, ref.ast) };
}

test('the comparison itself tells property order, -0 and bytes apart', (t) => {
  t.truthy(difference({ a: 1, b: 2 }, { b: 2, a: 1 }));
  t.truthy(difference({ v: -0 }, { v: 0 }));
  t.truthy(difference(new Uint8Array([1]), new Uint8Array([2])));
  t.truthy(difference({ s: { file: 'x', start: 1, end: 2 } }, { s: { file: 'x', start: 1, end: 3 } }));
  t.is(difference({ a: [1, 2n, 'x'] }, { a: [1, 2n, 'x'] }), undefined);
});

test('every corpus file: the fast path accepts it and builds the chevrotain AST', (t) => {
  t.true(corpus.length > 100, `corpus files: ${corpus.length}`);
  let validFiles = 0;
  for (const { name, text } of corpus) {
    const r = compare(text);
    if (r.clean) {
      validFiles++;
      t.true(r.accepted, `fast path bailed out on valid ${name}`);
    }
    if (r.accepted) t.is(r.diff, undefined, name);
  }
  t.true(validFiles > 100, `valid corpus files: ${validFiles}`);
});

test('the generated benchmark text: same AST on both paths', (t) => {
  const { sfText } = benchTexts(0.3);
  const r = compare(sfText);
  t.true(r.clean);
  t.true(r.accepted);
  t.is(r.diff, undefined);
});

/** Valid inputs chosen for the corners of the lexer and the grammar. */
const VALID = [
  '',
  'a 1; b -2; c 2147483647; d -2147483648; e 007; f -0;',
  'a 1L; b -9223372036854775808L; c 1.5; d .5; e 2.; f 1e3; g 1.5f; h 2d; i -.5e-3F; j 1E+2D; k 3l;',
  'a 12abc; abc 1.5;',
  'a 1e; e 2;',
  'a "x\\"y\\n\\101\\7z"; b ##multi\nline \\# "q"#; c ##plain#; d "";',
  'a #HEX# 0a ff #; b #DEC# 1 2 255 #; c #OCT# 7 377 #; d #BIN# 0101 #; e #B64# AAEC #; f #HEX##;',
  'ROOTS 1; IFX 2; a.b-c+d@e#f~g$h%i^j&k 3; $x 4; _y 5; \u00e9t\u00e9 6; x.y 7;',
  'a (b x| c); b (true x| false); c (a x|b);',
  'a (b - c); b (b / c); c (b % c); d (b == c); e (b != c); f (b >= c); g (b <= c); h (b > c); i (b < c);',
  'a (b + c + d); b (b * c); c (b ++ c ++ d); d (b <> c); e (b && c && d); f (b || c); g (b -> c); h (! b); i (!b);',
  'a (x); b ((1)); c (extends {x 1}); d (extends); e (extends LAZY A, B {y 2});',
  'a; b;; c extends; d extends ; e extends NULL; f extends A, B, C; g extends A {x 1} {y 2};',
  'a extends:K LAZY A; b extends DATA {}; c extends:Node;',
  'x:y:z 1; -- 2; "quoted name" 3; ##m name# 4;',
  '[t1, t2 "t3"] a 1; [] b 2; ["s"] c;',
  'a LAZY b; c DATA ROOT:d; e OPTIONAL f; g OPTIONAL(3) h:i; j LAZY OPTIONAL("d") k; l OPTIONAL([| 1, DATA m |]) n;',
  'a APPLY {x 1}; b LAZY ASSERT {y (a == 1)}; c DATA APPLY {};',
  'a ATTRIB x; b HERE "odd name"; c PROPERTY p.q; d IPROPERTY i; e ENVPROPERTY E; f IENVPROPERTY "F"; g CONSTANT c.d; h HOST h1;',
  'a ROOT; b PARENT:PARENT:x; c THIS:y; d PROCESS:z; e HERE x:ATTRIB y;',
  'a [1, b, [2], (c + d)]; b []; c [| |]; d [| 1, "x", true, false, NULL, TBD, #HEX# 00 #, [| 2 |] |];',
  'a IF b THEN 1 ELSE IF c THEN 2 ELSE 3 FI FI; b SWITCH IF x THEN 1 IF y THEN 2 ENDSWITCH;',
  'a SWITCH {v 1} IF (v == 1) THEN "one" ENDSWITCH;',
  '#include "a.sf"\n#include? "b.sf";\n#codebase "http://x" #include "c.sf"\nx extends { #include ##d.sf# }',
  'a extends { b extends { c extends { d 1; } } }',
  'extends { a 1; b 2; } ;;',
  'extends {}',
  '// comment\n/* block\n comment */ a /**/ 1 // tail\r\nb 2\f\tc\r3',
  'a b c d e f',
  '-- ; b (-1 + -2); c (1 - -2);',
  'a true; b false; c NULL; d TBD; e truex; f NULLS;',
  '[t] -- 1; [u] "q" 2;',
  'x extends A\ny 1',
];

test('hand-picked valid inputs: accepted, same AST', (t) => {
  for (const text of VALID) {
    const r = compare(text);
    t.true(r.clean, `not valid for chevrotain: ${JSON.stringify(text)}: ${parse(text, 'x.sf').diagnostics.map((d) => d.message).join('; ')}`);
    t.true(r.accepted, `fast path bailed out on ${JSON.stringify(text)}`);
    t.is(r.diff, undefined, JSON.stringify(text));
  }
});

/** Inputs with an error of each kind the fast path must leave to chevrotain. */
const INVALID = [
  'a 2147483648;', 'a -2147483649;', 'a 9223372036854775808L;', 'a #HEX# 0 #;', 'a #DEC# 256 #;', 'a #B64# A #;',
  'a (b - c - d);', 'a (b + c * d);', 'a (b c);', 'a (! b c);', 'a ();', 'a VAR;', 'a VAR "x";',
  'a DATA LAZY b;', 'a LAZY LAZY b;', 'a DATA DATA b;', 'a', 'a:b', 'a: 1', '}', 'a 1 }', '{',
  'a "open', 'a "line\nbreak";', 'a ##open', 'a #HEX# 00', '/* open', 'a = 1;', 'a & b;', 'a | b;', 'a 1;\u0001',
  'a ?;', 'a `x`;', 'a \u00d7;', 'extends { a 1 } b 2', 'extends a', 'a [1 2];', 'a [| b |];', 'a [| LAZY b |];',
  'a IF b THEN c FI;', 'a SWITCH ENDSWITCH;', 'a SWITCH {} ENDSWITCH;', 'a APPLY b;', 'a OPTIONAL;',
  'a HERE;', 'a HERE 1;', '#include a', '#codebase "x" b', 'a extends LAZY DATA b;', 'a extends A,;',
  '[t a 1;', '[,] a 1;', '-- ', 'a (extends A B);', 'a .x;', 'a -;', 'a (1 -2);', 'a 1.5.5;', 'a (x|y);', 'a x|;',
  'a ' + '('.repeat(MAX_NESTING + 1) + '1' + ')'.repeat(MAX_NESTING + 1) + ';',
];

test('hand-picked invalid inputs: the fast path bails out, chevrotain reports', (t) => {
  for (const text of INVALID) {
    const r = compare(text);
    t.false(r.clean, `expected chevrotain to report on ${JSON.stringify(text)}`);
    t.false(r.accepted, `fast path accepted ${JSON.stringify(text)}`);
  }
});

test('parse() gives the chevrotain diagnostics when the fast path bails out', (t) => {
  for (const text of INVALID) {
    const viaParse = parse(text, 'x.sf');
    const ref = parseWith('chevrotain', text, 'x.sf')!;
    t.deepEqual(viaParse.diagnostics, ref.diagnostics, JSON.stringify(text));
    t.is(difference(viaParse.ast, ref.ast), undefined, JSON.stringify(text));
  }
});

test('a Long written with an exponent (`1e5L`) is left to the chevrotain path', (t) => {
  t.is(parseWith('fast', 'a 1e5L;', 'x.sf'), undefined);
  t.is(parseWith('fast', 'a -2E3l;', 'x.sf'), undefined);
});

test('deep IF nesting without brackets is bounded: the fast path bails, parse still answers', (t) => {
  let v = '1';
  for (let i = 0; i < 3 * MAX_NESTING; i++) v = `IF c THEN ${v} ELSE 2 FI`;
  const text = `a ${v};`;
  t.is(parseWith('fast', text, 'x.sf'), undefined);
  const r = parse(text, 'x.sf');
  t.is(r.ast.kind, 'File');
});

/** mulberry32, so that every run sees the same mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = '{}[]()|;:,"#\\/*-+!<>=&x.0123456789eELfdD \n\t\u00e9\u0000?@$_';
const SNIPPETS = [
  ' extends ', ' LAZY ', ' DATA ', ' OPTIONAL ', ' ROOT:', ' PARENT:', ' HERE ', ' ;', ' (', ' )', ' [|', ' |]', ' {', ' }',
  ' + ', ' - ', ' x| ', ' -> ', ' ! ', ' IF ', ' THEN ', ' ELSE ', ' FI ', ' SWITCH ', ' ENDSWITCH ', ' -- ', ' NULL ',
  ' 1.5e3f ', ' -7 ', ' 9L ', ' "s" ', ' ##m# ', ' #HEX# 0a #', ' #include "f" ', ' [t] ', ' , ', ' APPLY {', ' VAR ',
];

/** One mutation: a character, a snippet, a truncation, a deleted, duplicated or moved token. */
function mutate(text: string, rand: () => number): string {
  const pick = (n: number) => Math.floor(rand() * n);
  const tokens = lex(new SourceFile('m.sf', text)).tokens;
  const kind = pick(6);
  if (kind === 0 || tokens.length === 0) {
    const i = pick(text.length + 1);
    return text.slice(0, i) + INTERESTING[pick(INTERESTING.length)] + text.slice(i + 1);
  }
  if (kind === 1) {
    const i = pick(text.length + 1);
    return text.slice(0, i) + SNIPPETS[pick(SNIPPETS.length)] + text.slice(i);
  }
  if (kind === 2) return text.slice(0, pick(text.length + 1));
  const tok = tokens[pick(tokens.length)];
  const start = tok.startOffset;
  const end = start + tok.image.length;
  if (kind === 3) return text.slice(0, start) + text.slice(end);
  if (kind === 4) return text.slice(0, end) + ' ' + tok.image + text.slice(end);
  const other = tokens[pick(tokens.length)];
  return text.slice(0, other.startOffset) + tok.image + ' ' + text.slice(other.startOffset);
}

const ROUNDS = 4000;

test(`${ROUNDS} mutated inputs: whatever the fast path accepts, chevrotain builds the same`, (t) => {
  const rand = prng(20260502);
  const seeds = [...corpus.map((c) => c.text), ...VALID].filter((s) => s.length < 20_000);
  let accepted = 0;
  let rejectedByBoth = 0;
  const bailedOnValid: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let text = seeds[Math.floor(rand() * seeds.length)];
    const steps = 1 + Math.floor(rand() * 3);
    for (let s = 0; s < steps; s++) text = mutate(text, rand);
    const r = compare(text);
    if (r.accepted) {
      accepted++;
      if (r.diff !== undefined) {
        t.fail(`${r.diff} for ${JSON.stringify(text)}`);
        return;
      }
    } else if (r.clean) {
      bailedOnValid.push(text);
    } else {
      rejectedByBoth++;
    }
  }
  t.log(`accepted ${accepted}, rejected by both ${rejectedByBoth}, bailed out on valid ${bailedOnValid.length}`);
  // Both kinds occur, or the mutations are not testing what they claim to.
  t.true(accepted > 300, `accepted: ${accepted}`);
  t.true(rejectedByBoth > 300, `rejected by both: ${rejectedByBoth}`);
  t.deepEqual(bailedOnValid.slice(0, 3), [], `${bailedOnValid.length} valid inputs bailed out`);
});
