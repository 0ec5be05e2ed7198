/** The conformance cases that resolve (an input.sf with an expected.json), as `group/name`, in order. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONFORMANCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance');

export function resolvingCases(): string[] {
  const out: string[] = [];
  for (const group of readdirSync(CONFORMANCE_DIR).sort()) {
    const g = join(CONFORMANCE_DIR, group);
    if (!statSync(g).isDirectory()) continue;
    for (const name of readdirSync(g).sort()) {
      const dir = join(g, name);
      if (existsSync(join(dir, 'input.sf')) && existsSync(join(dir, 'expected.json'))) out.push(`${group}/${name}`);
    }
  }
  return out;
}
