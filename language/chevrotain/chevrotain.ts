/**
 * The chevrotain runtime, loaded from the one-file bundle its package ships beside its
 * many-file sources: the bundle loads in about 12 ms, the sources in about 330 ms, and
 * every `frog` command pays that at start-up. Falls back to the package entry if the
 * bundle is not where chevrotain 11 puts it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    // entry is <package>/lib/src/api.js; the bundle is <package>/lib/chevrotain.min.mjs
    const bundle = join(dirname(dirname(entry)), 'chevrotain.min.mjs');
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  } catch {
    // fall through to the package entry
  }
  return import('chevrotain');
}

const chevrotain = await load();

export const { createToken, Lexer, CstParser, EOF } = chevrotain;
