/**
 * Scenario scripts with their expected event traces (test/group/scenarios/README.md).
 * `SF_UPDATE=1 npx ava test/group/scenarios.test.ts` rewrites the traces.
 */
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from './scenario-runner.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'scenarios');
const update = process.env.SF_UPDATE === '1';

for (const file of readdirSync(dir).filter((f) => f.endsWith('.scn')).sort()) {
  test(`scenario ${file}`, async (t) => {
    const result = await runScenario(readFileSync(join(dir, file), 'utf8'));
    t.deepEqual(result.failures, [], 'bounds and expectations');
    t.deepEqual(result.violations, [], 'properties P1, P2, P3, P5 and partition growth');
    const tracePath = join(dir, file.replace(/\.scn$/, '.trace'));
    if (update || !existsSync(tracePath)) writeFileSync(tracePath, result.trace);
    t.is(result.trace, readFileSync(tracePath, 'utf8'), 'event trace');
  });
}
