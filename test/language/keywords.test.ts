/**
 * The one keyword table (language/keywords.ts) and what is made from it: the chevrotain
 * token types, the fast lexer's kinds, the printer's quoting. Core's copy of the list
 * (core/values.ts, which cannot import language/) is checked against it here.
 */
import test from 'ava';
import { quoteNameIfNeeded } from '../../core/values.js';
import { SourceFile } from '../../core/source.js';
import { lex } from '../../language/chevrotain/lexer.js';
import { acquireTokens, fastLex, K_KEYWORD_FIRST, K_OP_FIRST, K_WORD, releaseTokens } from '../../language/fast/lexer.js';
import { KEYWORD_TEXTS, KEYWORDS } from '../../language/keywords.js';
import { MAX_NESTING, parse } from '../../language/parse.js';
import { print } from '../../language/printer.js';

/** The fast lexer's kinds for `text`, EOF left out. */
function fastKinds(text: string): number[] {
  const b = acquireTokens(text.length);
  try {
    fastLex(text, b, MAX_NESTING);
    return Array.from(b.kinds.subarray(0, b.count));
  } finally {
    releaseTokens(b);
  }
}

function chevrotainNames(text: string): string[] {
  return lex(new SourceFile('k.sf', text)).tokens.map((t) => t.tokenType.name);
}

test('the table: unique names and texts, and kinds below the operators', (t) => {
  t.is(new Set(KEYWORDS.map((k) => k.name)).size, KEYWORDS.length);
  t.is(KEYWORD_TEXTS.size, KEYWORDS.length);
  t.true(K_KEYWORD_FIRST + KEYWORDS.length <= K_OP_FIRST);
});

test('both lexers make each keyword from the table, and a longer word stays a word', (t) => {
  KEYWORDS.forEach(({ name, text }, i) => {
    t.deepEqual(chevrotainNames(text), [name], text);
    t.deepEqual(fastKinds(text), [K_KEYWORD_FIRST + i], text);
    t.deepEqual(chevrotainNames(`${text}x`), ['Word'], `${text}x`);
    t.deepEqual(fastKinds(`${text}x`), [K_WORD], `${text}x`);
  });
  // Case matters: only the table's spelling is a keyword.
  t.deepEqual(chevrotainNames('Extends null root'), ['Word', 'Word', 'Word']);
  t.deepEqual(fastKinds('Extends null root'), [K_WORD, K_WORD, K_WORD]);
});

test('a name spelled like a keyword is printed quoted, and reads back', (t) => {
  for (const { text } of KEYWORDS) {
    const r = parse(`"${text}" 1;`, 'k.sf');
    t.deepEqual(r.diagnostics, []);
    const printed = print(r.ast);
    t.true(printed.startsWith(`"${text}"`), printed);
    t.deepEqual(parse(printed, 'k.sf').diagnostics, []);
  }
});

test("core's list of keywords (quoteNameIfNeeded) is the table's", (t) => {
  for (const { text } of KEYWORDS) t.is(quoteNameIfNeeded(text), JSON.stringify(text));
  t.is(quoteNameIfNeeded('ROOTS'), 'ROOTS');
});
