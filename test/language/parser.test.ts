/** Parser tests per construct: each compares the s-expression of a small input. */
import test from 'ava';
import { parse } from '../../language/parse.js';
import { toSExpression } from '../../language/sexpr.js';
import { failOnFastPathFailures, lines, sexprOf } from './helpers.js';

failOnFastPathFailures();

/** The s-expression of one attribute value: `v VALUE` → its line without the wrapper. */
function valueOf(valueText: string): string {
  sexprOf(`v ${valueText}`); // fails on any diagnostic
  const member = parse(`v ${valueText}`, 'test.sf').ast.members[0];
  if (member?.kind !== 'Attribute') throw new Error('no attribute');
  return toSExpression(member.value).trimEnd();
}

test('integers, longs, floats and doubles', (t) => {
  t.is(valueOf('42'), '(Int 42)');
  t.is(valueOf('-7'), '(Int -7)');
  t.is(valueOf('2147483647'), '(Int 2147483647)');
  t.is(valueOf('-2147483648'), '(Int -2147483648)');
  t.is(valueOf('9000000000L'), '(Long 9000000000)');
  t.is(valueOf('-3l'), '(Long -3)');
  t.is(valueOf('2.5f'), '(Float 2.5)');
  t.is(valueOf('0.1F'), `(Float ${Math.fround(0.1)})`);
  t.is(valueOf('2.5D'), '(Double 2.5)');
  t.is(valueOf('3d'), '(Double 3)');
});

test('unsuffixed decimals are Doubles', (t) => {
  t.is(valueOf('0.25'), '(Double 0.25)');
  t.is(valueOf('.5'), '(Double 0.5)');
  t.is(valueOf('2.'), '(Double 2)');
  t.is(valueOf('3e2'), '(Double 300)');
  t.is(valueOf('-1.5e-3'), '(Double -0.0015)');
});

test('strings and escapes', (t) => {
  t.is(valueOf('"tab\\there"'), '(String "tab\\there")');
  t.is(valueOf('"say \\"hi\\""'), '(String "say \\"hi\\"")');
  t.is(valueOf('"oct\\101\\7x"'), '(String "octA\\u0007x")');
  t.is(valueOf('"\\q\\\\"'), '(String "q\\\\")');
  t.is(valueOf('"\\n\\r\\b\\f\\\'"'), '(String "\\n\\r\\b\\f\'")');
});

test('multi-line strings keep newlines and take \\#', (t) => {
  t.is(valueOf('##first\nsecond "x"#'), '(String MULTILINE "first\\nsecond \\"x\\"")');
  t.is(valueOf('##a\\#b#'), '(String MULTILINE "a#b")');
});

test('booleans, NULL, TBD, implicit NULL', (t) => {
  t.is(valueOf('true'), '(Boolean true)');
  t.is(valueOf('false'), '(Boolean false)');
  t.is(valueOf('NULL'), '(Null)');
  t.is(valueOf('TBD'), '(TBD)');
  t.is(sexprOf('e;'), lines('(File', '  (Attribute e (Null IMPLICIT)))'));
});

test('byte arrays in every encoding', (t) => {
  t.is(valueOf('#HEX# 0a FF #'), '(Bytes HEX "0aff")');
  t.is(valueOf('#DEC# 10 255 #'), '(Bytes DEC "0aff")');
  t.is(valueOf('#OCT# 12 377 #'), '(Bytes OCT "0aff")');
  t.is(valueOf('#BIN# 00001010 11111111 #'), '(Bytes BIN "0aff")');
  t.is(valueOf('#B64# Cv8= #'), '(Bytes B64 "0aff")');
  t.is(valueOf('#HEX##'), '(Bytes HEX "")');
});

test('comments are skipped', (t) => {
  t.is(sexprOf('// one\na /* two\n */ 1; /** three */ b 2'), lines('(File', '  (Attribute a (Int 1))', '  (Attribute b (Int 2)))'));
});

test('words take the special characters; keywords win only on equal length', (t) => {
  t.is(sexprOf('my-val 3; a.b x+y; ROOTS price$'), lines(
    '(File',
    '  (Attribute my-val (Int 3))',
    '  (Attribute a.b (Ref x+y))',
    '  (Attribute ROOTS (Ref price$)))',
  ));
  t.is(valueOf('v1.2-beta@#~%^&'), '(Ref v1.2-beta@#~%^&)');
  t.is(valueOf('ROOT'), '(Ref ROOT)');
  t.is(valueOf('if'), '(Ref if)');
});

test('operators glued to a name are part of the word', (t) => {
  t.is(valueOf('(a-b)'), '(Paren (Ref a-b))');
});

test('literal vectors and vector expressions', (t) => {
  t.is(valueOf('[| 1, "two", [| 3L |] |]'), '(LiteralVector (Int 1) (String "two") (LiteralVector (Long 3)))');
  t.is(valueOf('[| |]'), '(LiteralVector)');
  t.is(valueOf('[| DATA x |]'), '(LiteralVector (Ref DATA x))');
  t.is(valueOf('[x, (x + 1), [x]]'), '(Vector (Ref x) (Op + (Ref x) (Int 1)) (Vector (Ref x)))');
  t.is(valueOf('[]'), '(Vector)');
});

test('semicolons are optional separators', (t) => {
  t.is(sexprOf('a 1 b 2 ;; c;'), lines('(File', '  (Attribute a (Int 1))', '  (Attribute b (Int 2))', '  (Attribute c (Null IMPLICIT)))'));
});

test('quoted attribute names, placement names, --', (t) => {
  t.is(sexprOf('"odd name" 1; a:b:c 2; -- 3'), lines(
    '(File',
    '  (Attribute (quoted "odd name") (Int 1))',
    '  (Attribute a:b:c (Int 2))',
    '  (Attribute -- (Int 3)))',
  ));
});

test('tags, with or without commas, words or strings', (t) => {
  t.is(sexprOf('[a, b] x 1; [c d "e f"] y 2; [] z 3'), lines(
    '(File',
    '  (Attribute x [a b] (Int 1))',
    '  (Attribute y [c d "e f"] (Int 2))',
    '  (Attribute z (Int 3)))',
  ));
});

test('the whole-file extends wrapper', (t) => {
  t.is(sexprOf('extends { a 1; };'), lines('(File WRAPPED', '  (Attribute a (Int 1)))'));
});

test('component descriptions: prototypes, flags, kind, empty forms', (t) => {
  t.is(valueOf('extends { }'), '(Component EAGER\n  (Body))');
  t.is(sexprOf('a extends; b extends ;'), lines('(File', '  (Attribute a (Component EAGER))', '  (Attribute b (Component EAGER)))'));
  t.is(valueOf('extends NULL'), '(Component EAGER (Null))');
  t.is(sexprOf('x extends A, B, { p 5; }, C { q 1 }'), lines(
    '(File',
    '  (Attribute x',
    '    (Component EAGER',
    '      (Ref A)',
    '      (Ref B)',
    '      (Body',
    '        (Attribute p (Int 5)))',
    '      (Ref C)',
    '      (Body',
    '        (Attribute q (Int 1))))))',
  ));
  t.is(valueOf('extends LAZY ROOT:lib:T'), '(Component LAZY (Ref ROOT:lib:T))');
  t.is(valueOf('extends DATA T'), '(Component DATA (Ref T))');
  t.is(valueOf('extends:Kind T'), '(Component EAGER (kind Kind) (Ref T))');
});

test('a name after a prototype starts the next attribute', (t) => {
  t.is(sexprOf('a extends A\nb 1'), lines('(File', '  (Attribute a (Component EAGER (Ref A)))', '  (Attribute b (Int 1)))'));
});

test('every reference part', (t) => {
  t.is(valueOf('PARENT:PARENT:n'), '(Ref PARENT:PARENT:n)');
  t.is(valueOf('ROOT:sfConfig:a'), '(Ref ROOT:sfConfig:a)');
  t.is(valueOf('THIS:n'), '(Ref THIS:n)');
  t.is(valueOf('PROCESS:x'), '(Ref PROCESS:x)');
  t.is(valueOf('HERE n'), '(Ref HERE(n))');
  t.is(valueOf('HERE "odd name"'), '(Ref HERE("odd name"))');
  t.is(valueOf('ATTRIB a:b'), '(Ref ATTRIB(a):b)');
  t.is(valueOf('PROPERTY p'), '(Ref PROPERTY(p))');
  t.is(valueOf('IPROPERTY p'), '(Ref IPROPERTY(p))');
  t.is(valueOf('ENVPROPERTY HOME'), '(Ref ENVPROPERTY(HOME))');
  t.is(valueOf('IENVPROPERTY N'), '(Ref IENVPROPERTY(N))');
  t.is(valueOf('CONSTANT c'), '(Ref CONSTANT(c))');
  t.is(valueOf('HOST "h1":sfProcess'), '(Ref HOST("h1"):sfProcess)');
});

test('link flags: LAZY, DATA, OPTIONAL with and without a default', (t) => {
  t.is(valueOf('LAZY x'), '(Ref LAZY x)');
  t.is(valueOf('DATA ROOT:foo:bar'), '(Ref DATA ROOT:foo:bar)');
  t.is(valueOf('OPTIONAL x'), '(Ref OPTIONAL x)');
  t.is(valueOf('OPTIONAL(0) nope'), '(Ref OPTIONAL nope (default (Int 0)))');
  t.is(valueOf('LAZY OPTIONAL([| 1 |]) a:b'), '(Ref LAZY OPTIONAL a:b (default (LiteralVector (Int 1))))');
});

test('APPLY and ASSERT with flags', (t) => {
  t.is(valueOf('APPLY { sfFunctionClass "f"; }'), '(Apply\n  (Body\n    (Attribute sfFunctionClass (String "f"))))');
  t.is(valueOf('LAZY APPLY { }'), '(Apply LAZY\n  (Body))');
  t.is(valueOf('DATA ASSERT { }'), '(Assert DATA\n  (Body))');
});

test('operations: n-ary, binary, unary, parentheses', (t) => {
  t.is(valueOf('(1 + 2 + 3)'), '(Op + (Int 1) (Int 2) (Int 3))');
  t.is(valueOf('(10 - 4)'), '(Op - (Int 10) (Int 4))');
  t.is(valueOf('(! gt)'), '(Op ! (Ref gt))');
  t.is(valueOf('(1 + (2 * 3))'), '(Op + (Int 1) (Op * (Int 2) (Int 3)))');
  t.is(valueOf('((port > 1023) && (port < 65536))'), '(Op && (Op > (Ref port) (Int 1023)) (Op < (Ref port) (Int 65536)))');
  t.is(valueOf('(x)'), '(Paren (Ref x))');
  t.is(valueOf('(extends { })'), '(Paren\n  (Component EAGER\n    (Body)))');
  for (const op of ['*', '++', '<>', '&&', '||', 'x|', '->', '/', '%', '==', '!=', '>=', '<=', '>', '<']) {
    t.is(valueOf(`(a ${op} b)`), `(Op ${op} (Ref a) (Ref b))`);
  }
});

test('IF THEN ELSE FI', (t) => {
  t.is(valueOf('IF (a > b) THEN (a - b) ELSE 0 FI'), '(If (Op > (Ref a) (Ref b)) (Op - (Ref a) (Ref b)) (Int 0))');
});

test('SWITCH with and without bindings', (t) => {
  t.is(valueOf('SWITCH IF (n < 3) THEN "small" IF true THEN "big" ENDSWITCH'),
    '(Switch (case (Op < (Ref n) (Int 3)) (String "small")) (case (Boolean true) (String "big")))');
  t.is(valueOf('SWITCH { k 1; } IF k THEN 1 ENDSWITCH'),
    '(Switch\n  (bindings\n    (Body\n      (Attribute k (Int 1))))\n  (case (Ref k) (Int 1)))');
});

test('includes, optional includes and #codebase', (t) => {
  t.is(sexprOf('#include "lib.sf"\n#include? "opt.sf";\n#codebase "http://x" #include "/org/a.sf"\nx extends { #include "in.sf" }'), lines(
    '(File',
    '  (Include "lib.sf")',
    '  (Include "opt.sf" OPTIONAL)',
    '  (Include "/org/a.sf" (codebase "http://x"))',
    '  (Attribute x',
    '    (Component EAGER',
    '      (Body',
    '        (Include "in.sf")))))',
  ));
});

test('spans are offsets of the source text', (t) => {
  const text = 'a (1 + 2);\nb extends X { c "s"; }';
  const r = parse(text, 'f.sf');
  const [a, b] = r.ast.members;
  const slice = (s: { start: number; end: number }) => text.slice(s.start, s.end);
  t.is(slice(a.span), 'a (1 + 2)');
  if (a.kind !== 'Attribute' || b.kind !== 'Attribute') return t.fail();
  t.is(slice(a.value.span), '(1 + 2)');
  t.is(slice(b.value.span), 'extends X { c "s"; }');
  t.is(slice(b.name.span), 'b');
  t.is(a.span.file, 'f.sf');
  t.deepEqual(r.source.position(b.span.start), { line: 2, column: 1 });
});

test('an empty file and a file of comments parse to nothing', (t) => {
  t.is(sexprOf(''), '(File)\n');
  t.is(sexprOf('  // nothing\n/* here */'), '(File)\n');
});
