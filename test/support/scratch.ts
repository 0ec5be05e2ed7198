/**
 * Temporary folders for tests: each is made inside one folder per test process, which is
 * removed when the process exits, so that a test that fails or forgets leaves nothing
 * behind in the system's temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let parent: string | undefined;

/** A new empty folder whose name starts with `prefix`. */
export function scratchDir(prefix: string): string {
  if (!parent) {
    const made = mkdtempSync(join(tmpdir(), 'frog-test-'));
    parent = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return mkdtempSync(join(parent, prefix));
}
