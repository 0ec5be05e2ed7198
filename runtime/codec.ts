/**
 * The canonical value encoding, as the runtime uses it: the compiler owns it
 * (compiler/canonical.ts, compiler/ref-text.ts); this module only names what the runtime needs.
 */
export { decodeValue, encodeValue, encodeDescription, CanonicalError } from '../core/canonical.js';
export { parseRefText as parseReferenceText, RefTextError } from '../core/ref-text.js';
