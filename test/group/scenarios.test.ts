/**
 * Scenario scripts with their expected event traces (test/group/scenarios/README.md).
 * `SF_UPDATE=1 npx ava test/group/scenarios.test.ts` rewrites the traces.
 *
 * Each script also runs under every other profile of profiles.ts: there its bounds and expectations
 * (written as formulas of the profile) and the properties must hold, but the trace is not compared;
 * the interleaving of events of different peers depends on the ratio of fixed network delays to I.
 */
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../../runtime/group/profiles.js';
import { runScenario } from './scenario-runner.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'scenarios');
const update = process.env.SF_UPDATE === '1';
const files = readdirSync(dir).filter((f) => f.endsWith('.scn')).sort();
/** The profile a script's trace is recorded under: its own `profile` line, else the runner's default. */
const tracedProfile = (text: string) => /^\s*profile\s+(\S+)/m.exec(text)?.[1] ?? 'local-test';

for (const file of files) {
  test(`scenario ${file}`, async (t) => {
    const result = await runScenario(readFileSync(join(dir, file), 'utf8'));
    t.deepEqual(result.failures, [], 'bounds and expectations');
    t.deepEqual(result.violations, [], 'properties P1, P2, P3, P5 and partition growth');
    const tracePath = join(dir, file.replace(/\.scn$/, '.trace'));
    if (update || !existsSync(tracePath)) writeFileSync(tracePath, result.trace);
    t.is(result.trace, readFileSync(tracePath, 'utf8'), 'event trace');
  });
}

for (const profile of Object.keys(PROFILES)) {
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (profile === tracedProfile(text)) continue;
    test(`scenario ${file} under ${profile}: bounds and properties`, async (t) => {
      const result = await runScenario(text, { profile });
      t.deepEqual(result.failures, [], 'bounds and expectations');
      t.deepEqual(result.violations, [], 'properties P1, P2, P3, P5 and partition growth');
    });
  }
}
