/** The language front end: `.sf` text → AST with spans and diagnostics. */
export { SourceFile, joinSpans, type Span, type Position } from './source.js';
export { type Diagnostic, type Severity, type RelatedInformation, DiagnosticBag, hasErrors } from './diagnostics.js';
export { Messages, diagnostic, formatMessage, messageForCode, type MessageEntry } from './messages.js';
export type * from './ast.js';
