/**
 * `npm run docs`: writes the generated pages of the user's manual (docs/components.md,
 * docs/troubleshooting.md) and the generated tables inside docs/operations.md. The tests
 * (test/docs/generated.test.ts) compare each file with `generatedDocs()`, so the manual
 * cannot drift from the library, the catalogue or the profiles.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentsPage } from './components.js';
import { manualPages, updateExamples } from './examples.js';
import { troubleshootingPage } from './errors.js';
import { networkTable, profilesTable } from './operations.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The generated tables of hand-written pages, by page and region name. */
const REGIONS: Record<string, Record<string, () => string>> = {
  'docs/operations.md': { profiles: profilesTable, network: networkTable },
};

/** Whole pages that are generated. */
const PAGES: Record<string, () => string> = {
  'docs/components.md': componentsPage,
  'docs/troubleshooting.md': troubleshootingPage,
};

const REGION = /(<!-- generated:([\w-]+) -->\n)([\s\S]*?)(<!-- \/generated -->)/g;

/** `text` with every generated region replaced by what its generator writes now. */
export function fillRegions(file: string, text: string, regions: Record<string, () => string>): string {
  const seen = new Set<string>();
  const out = text.replace(REGION, (_whole, open: string, name: string, _old: string, close: string) => {
    const make = regions[name];
    if (!make) throw new Error(`${file}: unknown generated region \`${name}\``);
    seen.add(name);
    return open + make() + close;
  });
  const missing = Object.keys(regions).filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`${file}: the region(s) ${missing.join(', ')} are missing (<!-- generated:NAME --> ... <!-- /generated -->)`);
  return out;
}

/** Every generated file: its path from the repository's root and the text it must hold. */
export function generatedDocs(root = REPO_ROOT): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const [file, make] of Object.entries(PAGES)) out.push({ file, text: make() });
  for (const [file, regions] of Object.entries(REGIONS)) out.push({ file, text: fillRegions(file, readFileSync(join(root, file), 'utf8'), regions) });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const updates = generatedDocs();
  // `--examples`: also rewrite the JSON blocks of the manual's examples (tools/docs/examples.ts).
  if (process.argv.includes('--examples')) {
    for (const file of manualPages(REPO_ROOT)) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      updates.push({ file, text: updateExamples(REPO_ROOT, file, text) });
    }
  }
  for (const { file, text } of updates) {
    const path = join(REPO_ROOT, file);
    let old: string | undefined;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = undefined;
    }
    if (old === text) continue;
    writeFileSync(path, text);
    console.log(`wrote ${file}`);
  }
}
