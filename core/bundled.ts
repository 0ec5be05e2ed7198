/**
 * Whether this code runs from the one-file bundle of the `frog` command (bin/bundle.mjs
 * defines FROG_BUNDLED there), rather than from the sources or the tsc build in dist/.
 */
declare const FROG_BUNDLED: boolean | undefined;

export const BUNDLED: boolean = typeof FROG_BUNDLED !== 'undefined' && FROG_BUNDLED === true;
