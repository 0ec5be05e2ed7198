import { resolveFile } from '../../compiler/resolve.js';
import { toCanonicalJson } from '../../compiler/canonical.js';
import { writeFileSync } from 'node:fs';
const n = 10000;
const sf: string[] = [
    'Base extends { port 80; host "localhost"; weight 1; tags extends { tier "base"; } }',
    'Mid extends Base { weight 2; url ("http://" ++ host ++ ":" ++ port); }',
    'Leaf extends Mid { weight 3; role "leaf"; tags:zone "eu"; }',
    'sfConfig extends {',
  ];
for (let i = 0; i < n; i++) sf.push(`  c${i} extends Leaf { port ${1000 + i}; peer c${(i + 1) % n}:port; name "c${i}"; }`);
sf.push('}');
writeFileSync('/tmp/app.sf', sf.join('\n') + '\n');
for (let i = 0; i < 6; i++) {
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const r = resolveFile('/tmp/app.sf', { timings } as any);
  const t1 = performance.now();
  const j = toCanonicalJson(r.description!);
  const t2 = performance.now();
  console.log((t1 - t0).toFixed(0), (t2 - t1).toFixed(0), JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))), j.length);
}
