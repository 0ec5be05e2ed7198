/** The language front end: `.sf` text → AST with spans and diagnostics. */
export { SourceFile, joinSpans, type Span, type Position } from '../core/source.js';
export { type Diagnostic, type Severity, type RelatedInformation, DiagnosticBag, hasErrors } from '../core/diagnostics.js';
export { Messages, diagnostic, formatMessage, messageForCode, type MessageEntry } from '../core/messages/index.js';
export type * from './ast.js';
export { parse, parseReference, MAX_NESTING, type ParseResult, type ReferenceParseResult } from './parse.js';
export { print, printValue } from './printer.js';
export { toSExpression } from './sexpr.js';
export { renderDiagnostic, renderDiagnostics, type RenderOptions, type SourceLookup } from '../core/render.js';
export { BINARY_OPERATORS, NARY_OPERATORS } from './ast.js';
