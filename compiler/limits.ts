/**
 * The bounds of one resolution (docs/design/language.md §7.9). Resolution builds new values:
 * every `extends` copies its prototypes, and finalisation copies a description that a link
 * shares. A prototype extended twice at every level doubles with each level, so a small file
 * can ask for more than any machine holds. Two limits stop that with a diagnostic instead:
 *
 * - `maxValues`: how many attribute values resolution may build by copying (each attribute
 *   copied, each vector element copied, counts one). Past it: SF2701, at the `extends` (or
 *   the linked description) that was being copied. By default it grows with the size of the
 *   sources, so that a large description resolves and a small one cannot explode.
 * - `maxDepth`: how long a chain of prototypes may be (`P2 extends P1`, `P1 extends P0`, ...)
 *   and how deeply a copied description may nest. Past it: SF2702 and SF2703. Every phase
 *   recurses on nesting; the bound keeps that recursion far from the stack's end.
 *
 * The defaults are far above anything a real description needs.
 */
import type { Diagnostic, RelatedInformation } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import type { Span } from '../core/source.js';

/** Attribute values a resolution may build by copying, at least (small files). */
export const DEFAULT_MAX_VALUES = 1_000_000;
/**
 * ... and per byte of the sources it reads: a large description legitimately builds many values
 * (100,000 components copy about 1.4 million), a small one that builds millions is growing
 * without end. 50 values a byte is far above what a real description copies (the 100,000-
 * component bench builds well under one value per byte of its source).
 */
export const DEFAULT_VALUES_PER_SOURCE_BYTE = 50;
/** Prototype chains and the nesting of copied descriptions. */
export const DEFAULT_MAX_DEPTH = 500;

export interface ResolveLimits {
  /** Attribute values resolution may build by copying (default DEFAULT_MAX_VALUES). */
  maxValues?: number;
  /** Longest prototype chain, deepest nesting of a copied description (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
}

/**
 * Thrown when a limit is reached, through every frame of the resolution, to resolve.ts, which
 * reports its diagnostic and stops. Control flow inside one resolution: a plain sentinel, not
 * a FrogError (core/errors.ts).
 */
export class LimitReached {
  constructor(readonly diagnostic: Diagnostic) {}
}

/** What is being copied, for the diagnostic when the budget runs out during the copy. */
export interface CopyPlace {
  /** `` `L20` for `L21:x` ``: the text the messages place after "while copying". */
  what: string;
  span?: Span;
  related?: RelatedInformation[];
}

/** The running count of one resolution. */
export class Budget {
  maxValues: number;
  private readonly explicitValues: boolean;
  readonly maxDepth: number;
  /** Values built so far. */
  used = 0;
  /** The copy under way (set by the phase that copies), described only when a limit is reached. */
  copying: (() => CopyPlace) | undefined;

  constructor(limits: ResolveLimits = {}) {
    this.maxValues = positive(limits.maxValues, DEFAULT_MAX_VALUES);
    this.explicitValues = limits.maxValues !== undefined;
    this.maxDepth = positive(limits.maxDepth, DEFAULT_MAX_DEPTH);
  }

  /** Without an explicit `maxValues`, the limit grows with the sources read (DEFAULT_VALUES_PER_SOURCE_BYTE). */
  scaleTo(sourceBytes: number): void {
    if (!this.explicitValues) this.maxValues = Math.max(DEFAULT_MAX_VALUES, DEFAULT_VALUES_PER_SOURCE_BYTE * sourceBytes);
  }

  /** Counts `n` values built; past the limit, stops the resolution (SF2701). */
  spend(n = 1): void {
    this.used += n;
    if (this.used > this.maxValues) {
      const c = this.copying?.();
      throw new LimitReached(
        diagnostic(Messages.TooManyValues, { max: this.maxValues, what: c?.what ?? 'a description' }, c?.span, c?.related ? { related: c.related } : {}),
      );
    }
  }

  /** Checks the nesting depth of a copy; past the limit, stops the resolution (SF2703). */
  enter(depth: number): void {
    if (depth > this.maxDepth) {
      const c = this.copying?.();
      throw new LimitReached(
        diagnostic(Messages.CopyTooDeep, { max: this.maxDepth, what: c?.what ?? 'a description' }, c?.span, c?.related ? { related: c.related } : {}),
      );
    }
  }

  /** Runs `copy` with `place` describing the copy under way. */
  copy<R>(place: () => CopyPlace, copy: () => R): R {
    const saved = this.copying;
    this.copying = place;
    try {
      return copy();
    } finally {
      this.copying = saved;
    }
  }
}

function positive(n: number | undefined, dflt: number): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : dflt;
}
