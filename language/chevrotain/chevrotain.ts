/**
 * The chevrotain runtime, loaded from the one-file bundle its package ships beside its
 * many-file sources (the bundle loads in about 12 ms, the sources in about 330 ms), and only
 * when the chevrotain path first runs: valid input takes the fast path (../fast/), so most
 * `frog` commands never load it. On a Node that can `require` an ES module (20.19 and
 * later) it is required on first use; on an older one it is imported as this module loads.
 * Falls back to the package entry if the bundle is not where chevrotain 11 puts it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

type Api = typeof Chevrotain;

/** The file to load: the one-file bundle when it is there, else the package entry. */
function location(): { bundle?: string; entry: string } {
  const entry = createRequire(import.meta.url).resolve('chevrotain');
  // entry is <package>/lib/src/api.js; the bundle is <package>/lib/chevrotain.min.mjs
  const bundle = join(dirname(dirname(entry)), 'chevrotain.min.mjs');
  return existsSync(bundle) ? { bundle, entry } : { entry };
}

async function load(): Promise<Api> {
  try {
    const { bundle } = location();
    if (bundle) return (await import(pathToFileURL(bundle).href)) as Api;
  } catch {
    // fall through to the package entry
  }
  return import('chevrotain');
}

const canRequireEsm = (process.features as { require_module?: boolean }).require_module === true;

let api: Api | undefined = canRequireEsm ? undefined : await load();

/** The chevrotain API, loaded on first use. */
export function chevrotain(): Api {
  if (!api) {
    const { bundle, entry } = location();
    api = createRequire(import.meta.url)(bundle ?? entry) as Api;
  }
  return api;
}
