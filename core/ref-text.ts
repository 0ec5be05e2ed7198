/**
 * Reference text back to reference parts: the inverse of `Ref.toString()` in values.ts, used
 * for `$ref` in canonical JSON and plans, and for the text given to the `ref` function.
 *
 * Grammar (parts separated by `:`, spaces around parts ignored):
 *   part  := ROOT | PARENT | THIS | PROCESS | KIND name | name
 *   KIND  := ATTRIB | HERE | HOST | PROPERTY | IPROPERTY | ENVPROPERTY | IENVPROPERTY | CONSTANT
 *   name  := a bare word (docs/design/language.md §3.2, not a keyword) | a JSON string ("odd name")
 * A bare name is a `WORD` part (SmartFrog's default lookup of a first part is ATTRIB, of a
 * later part HERE: the resolver decides, as for parsed references).
 */
import { FrogError } from './errors.js';
import { Messages } from './messages/index.js';
import { quoteNameIfNeeded, type RefPart } from './values.js';

/** The kinds of reference part, as written in a description (`ROOT`, `PARENT`, `ATTRIB`, ...). */
export type RefPartKind =
  | 'ROOT' | 'PARENT' | 'THIS' | 'PROCESS'
  | 'ATTRIB' | 'HERE' | 'WORD'
  | 'PROPERTY' | 'IPROPERTY' | 'ENVPROPERTY' | 'IENVPROPERTY' | 'CONSTANT' | 'HOST';

/** Reference text that does not parse (SF1017). */
export class RefTextError extends FrogError {
  constructor(
    readonly text: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(Messages.BadReferenceText, { quoted: JSON.stringify(text), position: offset + 1, reason });
    this.name = 'RefTextError';
  }
}

const BARE_KINDS = new Set<RefPartKind>(['ROOT', 'PARENT', 'THIS', 'PROCESS']);
const NAMED_KINDS = new Set<RefPartKind>([
  'ATTRIB', 'HERE', 'HOST', 'PROPERTY', 'IPROPERTY', 'ENVPROPERTY', 'IENVPROPERTY', 'CONSTANT',
]);
/** A bare word runs until a separator, a space or a quote; its legality is checked after. */
const WORD_CHARS = /[^:\s"]/;
const SPACE = /\s/;

/** Parses reference text such as `PARENT:x`, `HERE "odd name"`, `ROOT:a:b`; throws RefTextError. */
export function parseRefText(text: string): RefPart[] {
  const parts: RefPart[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && SPACE.test(text[i])) i++;
  };
  const readWord = (): string => {
    const start = i;
    while (i < text.length && WORD_CHARS.test(text[i])) i++;
    return text.slice(start, i);
  };
  const readQuoted = (): string => {
    const start = i;
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw new RefTextError(text, 'unterminated quoted name', start);
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw new RefTextError(text, 'invalid escape in quoted name', start);
    }
  };
  const readName = (): string => {
    if (text[i] === '"') return readQuoted();
    const start = i;
    const word = readWord();
    if (word === '') throw new RefTextError(text, 'a name is missing', start);
    if (quoteNameIfNeeded(word) !== word) {
      throw new RefTextError(text, `\`${word}\` is not a plain name (quote it)`, start);
    }
    return word;
  };

  for (let count = 0; count <= text.length; count++) {
    skipSpace();
    if (i >= text.length || text[i] === ':') {
      throw new RefTextError(text, parts.length === 0 && i >= text.length ? 'the reference is empty' : 'a part is missing', i);
    }
    if (text[i] === '"') {
      parts.push({ kind: 'WORD', name: readQuoted() });
    } else {
      const start = i;
      const word = readWord();
      if (BARE_KINDS.has(word as RefPartKind)) {
        parts.push({ kind: word as RefPartKind });
      } else if (NAMED_KINDS.has(word as RefPartKind)) {
        skipSpace();
        if (i >= text.length || text[i] === ':') throw new RefTextError(text, `\`${word}\` needs a name`, i);
        parts.push({ kind: word as RefPartKind, name: readName() });
      } else {
        i = start;
        parts.push({ kind: 'WORD', name: readName() });
      }
    }
    skipSpace();
    if (i >= text.length) return parts;
    if (text[i] !== ':') throw new RefTextError(text, `expected \`:\` between parts, found \`${text[i]}\``, i);
    i++;
  }
  throw new RefTextError(text, 'too many parts', i); // unreachable: every turn consumes text
}
