/**
 * SF1xxx: syntax (language/, and reference text in core/ref-text.ts). Part of the one
 * catalogue: index.ts merges the areas into `Messages` and states the rules and the style.
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const SyntaxMessages = {
  UnexpectedCharacter: entry('SF1001', 'Parse', 'Unexpected character `{text}`.'),
  UnterminatedString: entry('SF1002', 'Parse', 'Unterminated string.', 'A `"` string ends on the same line; use `##...#` for text over several lines.'),
  UnterminatedComment: entry('SF1003', 'Parse', 'Unterminated block comment.', 'Close it with `*/`.'),
  UnterminatedBytes: entry('SF1004', 'Parse', 'Unterminated byte array.', 'A byte array ends with `#`.'),
  UnexpectedToken: entry('SF1005', 'Parse', 'Unexpected {found}; expected {expected}.'),
  IntegerTooLarge: entry('SF1006', 'Parse', 'The integer `{text}` does not fit in 32 bits.', 'Add the suffix `L` to make it a Long.'),
  BadLong: entry('SF1016', 'Parse', 'The long `{text}` is not a whole number.', 'A Long is written with digits only, as in `100000L`; use `1e5d` for a Double.'),
  LongTooLarge: entry('SF1007', 'Parse', 'The long `{text}` does not fit in 64 bits.'),
  MixedOperators: entry('SF1008', 'Parse', 'Operators `{first}` and `{second}` are mixed without parentheses.', 'Operators have no precedence: nest them, as in `(a + (b * c))`.'),
  BinaryOperatorArity: entry('SF1009', 'Parse', 'The operator `{op}` takes exactly two operands.', 'Nest the operations, as in `((a - b) - c)`.'),
  BadByteArray: entry('SF1010', 'Parse', 'Invalid {encoding} byte array: {reason}.'),
  DataAndLazy: entry('SF1012', 'Parse', '`DATA` and `LAZY` cannot both mark one reference.'),
  ConstraintVariable: entry('SF1013', 'Parse', 'Constraint variables (`VAR`) are not supported.'),
  UnexpectedEnd: entry('SF1014', 'Parse', 'Unexpected end of file; expected {expected}.'),
  NestingTooDeep: entry('SF1015', 'Parse', 'Nesting is deeper than {max} levels.', 'Split the description into named parts and refer to them.'),
  /** Reference text (`PARENT:x`) given to `ref`, in a plan's `$ref` or to a component's lookup (core/ref-text.ts). */
  BadReferenceText: entry('SF1017', 'Parse', 'Invalid reference text {quoted} at character {position}: {reason}.'),
  /** The bounds of the front end (language/parse.ts, docs/design/language.md §3.8). */
  TooManyErrors: entry('SF1018', 'Parse', 'Too many syntax errors: parsing stopped after {max}.', 'Fix the first errors and parse again.'),
  BinaryFile: entry('SF1019', 'Parse', 'The file is binary, not a description: {reason}.', 'A description is UTF-8 text; the content of this file is not shown.'),
} as const satisfies Record<string, MessageEntry>;
