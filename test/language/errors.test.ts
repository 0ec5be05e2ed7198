/**
 * Every syntax code the front end reports (SF1xxx), with its message and position
 * (`code line:column message`), and the recovery that lets one parse report them all.
 */
import test from 'ava';
import { parse, parseReference, MAX_NESTING } from '../../language/parse.js';
import { diagnosticsOf, failOnFastPathFailures } from './helpers.js';

failOnFastPathFailures();

test('SF1001 unexpected character', (t) => {
  t.deepEqual(diagnosticsOf('a 1;\nb ? 2;'), [
    'SF1001 2:3 Unexpected character `?`.',
  ]);
});

test('SF1002 unterminated string, both forms', (t) => {
  t.deepEqual(diagnosticsOf('a "abc\nb 2;'), ['SF1002 1:3 Unterminated string.']);
  const r = parse('a ##never closed', 'f.sf');
  t.is(r.diagnostics[0].code, 'SF1002');
  t.regex(r.diagnostics[0].hint ?? '', /`##` string ends/);
});

test('SF1003 unterminated block comment', (t) => {
  t.deepEqual(diagnosticsOf('a 1; /* no end\nb 2;'), ['SF1003 1:6 Unterminated block comment.']);
});

test('SF1004 unterminated byte array', (t) => {
  t.deepEqual(diagnosticsOf('a #HEX# 0a ff'), ['SF1004 1:3 Unterminated byte array.']);
});

test('a comment, `##` string or byte array left open inside a description is the only error: the early end of file follows from it', (t) => {
  t.deepEqual(diagnosticsOf('sfConfig extends {\n  a ##never closed;\n}\n'), ['SF1002 2:5 Unterminated string.']);
  t.deepEqual(diagnosticsOf('sfConfig extends {\n  a 1; /* open\n}\n'), ['SF1003 2:8 Unterminated block comment.']);
  t.deepEqual(diagnosticsOf('sfConfig extends {\n  a #HEX# 0a\n}\n'), ['SF1004 2:5 Unterminated byte array.']);
  // A quoted string ends at the end of its line: what follows is parsed, and a missing `}` is still reported.
  t.deepEqual(diagnosticsOf('sfConfig extends {\n  a "open;\n'), ['SF1002 2:5 Unterminated string.', 'SF1014 3:1 Unexpected end of file; expected an attribute or `}`.']);
});

test('SF1005 unexpected token, with what was expected', (t) => {
  t.deepEqual(diagnosticsOf('sfConfig extends { e }'), ['SF1005 1:22 Unexpected `}`; expected an attribute value.']);
  t.deepEqual(diagnosticsOf('sfConfig extends { d (10 -3); }'), ['SF1005 1:26 Unexpected `-3`; expected an operator or `)`.']);
  t.deepEqual(diagnosticsOf('a 1;\n}\nb 2;'), ['SF1005 2:1 Unexpected `}`; expected an attribute.']);
  t.deepEqual(diagnosticsOf('a [1 2]'), ['SF1005 1:6 Unexpected `2`; expected `,` or `]`.']);
  t.deepEqual(diagnosticsOf('a LAZY LAZY x'), ['SF1005 1:8 Unexpected `LAZY`; expected a reference.']);
});

test('SF1006 integer out of 32 bits', (t) => {
  t.deepEqual(diagnosticsOf('sfConfig extends { big 3000000000; }'), [
    'SF1006 1:24 The integer `3000000000` does not fit in 32 bits.',
  ]);
  t.deepEqual(diagnosticsOf('a -2147483649'), ['SF1006 1:3 The integer `-2147483649` does not fit in 32 bits.']);
});

test('SF1007 long out of 64 bits', (t) => {
  t.deepEqual(diagnosticsOf('a 9223372036854775807L; b 9223372036854775808L'), [
    'SF1007 1:27 The long `9223372036854775808L` does not fit in 64 bits.',
  ]);
});

test('SF1016 a long written with an exponent', (t) => {
  t.deepEqual(diagnosticsOf('a 1e5L; c 7L; d 900000E000L'), [
    'SF1016 1:3 The long `1e5L` is not a whole number.',
    'SF1016 1:17 The long `900000E000L` is not a whole number.',
  ]);
});

test('SF1008 mixed operators point at the second operator (case 65)', (t) => {
  t.deepEqual(diagnosticsOf('sfConfig extends { bad (1 + 2 * 3); }'), [
    'SF1008 1:31 Operators `+` and `*` are mixed without parentheses.',
  ]);
});

test('SF1009 binary operators take two operands', (t) => {
  t.deepEqual(diagnosticsOf('a (5 - 2 - 1)'), ['SF1009 1:10 The operator `-` takes exactly two operands.']);
  t.deepEqual(diagnosticsOf('a (x == y == z)'), ['SF1009 1:11 The operator `==` takes exactly two operands.']);
});

test('SF1010 invalid byte arrays', (t) => {
  t.deepEqual(diagnosticsOf('a #HEX# 0g #'), ['SF1010 1:3 Invalid HEX byte array: only hexadecimal digits are allowed.']);
  t.deepEqual(diagnosticsOf('a #HEX# abc #'), ['SF1010 1:3 Invalid HEX byte array: an odd number of hexadecimal digits.']);
  t.deepEqual(diagnosticsOf('a #DEC# 256 #'), ['SF1010 1:3 Invalid DEC byte array: `256` does not fit in a byte.']);
  t.deepEqual(diagnosticsOf('a #OCT# 8 #'), ['SF1010 1:3 Invalid OCT byte array: `8` is not an octal number.']);
  t.deepEqual(diagnosticsOf('a #BIN# 2 #'), ['SF1010 1:3 Invalid BIN byte array: `2` is not a binary number.']);
  t.deepEqual(diagnosticsOf('a #B64# *** #'), ['SF1010 1:3 Invalid B64 byte array: not valid base64.']);
});

test('SF1012 DATA and LAZY on one reference, in either order', (t) => {
  t.deepEqual(diagnosticsOf('a DATA LAZY x'), ['SF1012 1:8 `DATA` and `LAZY` cannot both mark one reference.']);
  t.deepEqual(diagnosticsOf('a LAZY DATA x'), ['SF1012 1:8 `DATA` and `LAZY` cannot both mark one reference.']);
});

test('SF1013 VAR is rejected', (t) => {
  t.deepEqual(diagnosticsOf('a VAR "1..3";'), ['SF1013 1:3 Constraint variables (`VAR`) are not supported.']);
  t.deepEqual(diagnosticsOf('a [| VAR |];'), ['SF1013 1:6 Constraint variables (`VAR`) are not supported.']);
});

test('SF1014 unexpected end of file', (t) => {
  t.deepEqual(diagnosticsOf('Broken extends {\n'), ['SF1014 2:1 Unexpected end of file; expected an attribute or `}`.']);
  t.deepEqual(diagnosticsOf('a (1 +'), ['SF1014 1:7 Unexpected end of file; expected a value.']);
});

test('SF1015 nesting deeper than the limit, without a stack overflow', (t) => {
  const depth = 100_000;
  const text = 'a ' + '('.repeat(depth) + '1' + ')'.repeat(depth);
  const r = parse(text, 'deep.sf');
  t.deepEqual(r.diagnostics.map((d) => [d.code, d.span?.start]), [['SF1015', 2 + MAX_NESTING]]);
  t.is(r.diagnostics[0].message, `Nesting is deeper than ${MAX_NESTING} levels.`);
  const ok = 'a ' + '('.repeat(MAX_NESTING) + '1' + ')'.repeat(MAX_NESTING);
  t.deepEqual(parse(ok, 'ok.sf').diagnostics, []);
  const ifs = parse('a ' + 'IF true THEN '.repeat(50_000) + '1', 'ifs.sf');
  t.true(ifs.diagnostics.length > 0);
  t.true(ifs.diagnostics.every((d) => /^SF1\d{3}$/.test(d.code)));
});

test('recovery reports every error in a file and keeps the good attributes', (t) => {
  const text = ['a 1;', 'b (1 + 2 * 3);', 'c "ok";', 'd (10 -3);', '}', 'e DATA LAZY x;', 'f 2;'].join('\n');
  const r = parse(text, 'many.sf');
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF1008', 'SF1005', 'SF1005', 'SF1012']);
  const names = r.ast.members.map((m) => (m.kind === 'Attribute' && m.name.kind === 'Name' ? m.name.parts.join(':') : '?'));
  for (const n of ['a', 'b', 'c', 'e', 'f']) t.true(names.includes(n), `${n} kept in ${names.join(',')}`);
});

test('a stray token at the top level does not hide the rest of the file', (t) => {
  t.deepEqual(diagnosticsOf('a 1 ) b 2\nc extends LAZY LAZY x; d 4 ] e 5'), [
    'SF1005 1:5 Unexpected `)`; expected an attribute.',
    'SF1005 2:16 Unexpected `LAZY`; expected an attribute.',
    'SF1005 2:28 Unexpected `]`; expected an attribute.',
  ]);
});

test('parseReference reads references with flags', (t) => {
  const r = parseReference('PARENT:x');
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.reference?.parts.map((p) => [p.kind, p.name]), [['PARENT', undefined], ['WORD', 'x']]);
  const lazy = parseReference('LAZY ROOT:a:b');
  t.true(lazy.reference?.lazy);
  t.deepEqual(lazy.reference?.parts.map((p) => p.kind), ['ROOT', 'WORD', 'WORD']);
  t.true(parseReference('DATA x').reference?.data);
  const opt = parseReference('OPTIONAL(3) a');
  t.true(opt.reference?.optional);
  t.deepEqual(opt.reference?.default && { kind: opt.reference.default.kind }, { kind: 'Int' });
  t.is(parseReference('HERE "odd name"').reference?.parts[0].name, 'odd name');
});

test('parseReference rejects what is not one reference', (t) => {
  const trailing = parseReference('a b', 'ref');
  t.is(trailing.reference, undefined);
  t.deepEqual(trailing.diagnostics.map((d) => [d.code, d.span?.start, d.message]), [['SF1005', 2, 'Unexpected `b`; expected end of file.']]);
  const apply = parseReference('APPLY { }');
  t.is(apply.reference, undefined);
  t.deepEqual(apply.diagnostics.map((d) => d.code), ['SF1005']);
  t.deepEqual(parseReference('').diagnostics.map((d) => d.code), ['SF1014']);
  t.deepEqual(parseReference('DATA LAZY x').diagnostics.map((d) => d.code), ['SF1012']);
});
