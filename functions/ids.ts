/**
 * SmartFrog's identifiers of the built-in functions (docs/design/language.md Appendix A). Operators,
 * vectors, IF and SWITCH desugar to these, and `functions.sf` names the same ones, so the
 * resolved output matches SmartFrog's and descriptions written for it keep working.
 */
export const FUNCTION_PREFIX = 'org.smartfrog.sfcore.languages.sf.functions.';

const F = (name: string): string => FUNCTION_PREFIX + name;

export const FUNCTION_IDS = {
  operators: {
    '+': F('Sum'),
    '*': F('Product'),
    '++': F('Concatenate'),
    '<>': F('Append'),
    '&&': F('And'),
    '||': F('Or'),
    'x|': F('Xor'),
    '->': F('Implies'),
    '-': F('Minus'),
    '/': F('Divide'),
    '%': F('Mod'),
    '==': F('EQ'),
    '!=': F('NE'),
    '>=': F('GE'),
    '<=': F('LE'),
    '>': F('GT'),
    '<': F('LT'),
    '!': F('Not'),
  } as Record<string, string>,
  vector: F('Vector'),
  if: F('IfThenElse'),
  /** SmartFrog has no template for SWITCH; this identifier is ours. */
  switch: F('Switch'),
  checkAssertions: F('CheckAssertions'),
  checkSchemaElement: F('CheckSchemaElement'),
};
