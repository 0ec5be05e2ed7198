/**
 * The keywords of the `.sf` language (docs/design/language.md §3.3), once. Both lexers are made from
 * this table: the chevrotain lexer (chevrotain/lexer.ts) makes one token type per entry,
 * named `name`, matching `text`, in this order; the fast lexer (fast/lexer.ts) gives the
 * entry at index i the token kind K_KEYWORD_FIRST + i and looks scanned WORDs up by
 * `text`. The printer quotes names that are keywords.
 *
 * A keyword is case-sensitive and wins over a WORD of the same length only (`ROOT` is a
 * keyword, `ROOTS` a word), so the order here does not change what either lexer makes;
 * it is kept as the chevrotain lexer always had it.
 */
export const KEYWORDS = [
  { name: 'Extends', text: 'extends' },
  { name: 'True', text: 'true' },
  { name: 'False', text: 'false' },
  { name: 'Null', text: 'NULL' },
  { name: 'Tbd', text: 'TBD' },
  { name: 'Lazy', text: 'LAZY' },
  { name: 'Data', text: 'DATA' },
  { name: 'Attrib', text: 'ATTRIB' },
  { name: 'Here', text: 'HERE' },
  { name: 'Parent', text: 'PARENT' },
  { name: 'Root', text: 'ROOT' },
  { name: 'This', text: 'THIS' },
  { name: 'Optional', text: 'OPTIONAL' },
  { name: 'Apply', text: 'APPLY' },
  { name: 'Assert', text: 'ASSERT' },
  { name: 'If', text: 'IF' },
  { name: 'Then', text: 'THEN' },
  { name: 'Else', text: 'ELSE' },
  { name: 'Fi', text: 'FI' },
  { name: 'EndSwitch', text: 'ENDSWITCH' },
  { name: 'Switch', text: 'SWITCH' },
  { name: 'Var', text: 'VAR' },
  { name: 'IProperty', text: 'IPROPERTY' },
  { name: 'Property', text: 'PROPERTY' },
  { name: 'IEnvProperty', text: 'IENVPROPERTY' },
  { name: 'EnvProperty', text: 'ENVPROPERTY' },
  { name: 'Constant', text: 'CONSTANT' },
  { name: 'Host', text: 'HOST' },
  { name: 'Process', text: 'PROCESS' },
] as const;

/** A keyword's name: its chevrotain token name, and the key to its fast-lexer kind. */
export type KeywordName = (typeof KEYWORDS)[number]['name'];

/** The text of every keyword. */
export const KEYWORD_TEXTS: ReadonlySet<string> = new Set(KEYWORDS.map((k) => k.text));
