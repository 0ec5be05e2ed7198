/**
 * `frog key generate FILE`: creates a group key file (32 random bytes, base64, one line, mode 0600).
 * Exit codes: 0 created; 1 the file exists or cannot be written. With `--json`,
 * `{"file", "mode": "600", "diagnostics": []}` (on failure `{"diagnostics": [...]}`) on stdout.
 */
import { resolve as resolvePath } from 'node:path';
import { generateKeyFile, KeyFileError } from '../../../runtime/group/key-file.js';
import type { Io } from '../../io.js';
import { Output } from '../../output.js';

export interface KeyGenerateOptions {
  file: string;
  json?: boolean;
}

export async function keyGenerateCommand(o: KeyGenerateOptions, io: Io): Promise<number> {
  const out = new Output('key', io, { mode: o.json ? 'json' : 'text' });
  try {
    await generateKeyFile(resolvePath(io.cwd, o.file));
  } catch (e) {
    if (e instanceof KeyFileError) {
      out.problem(e.message, { code: e.code, file: o.file });
      if (out.json) out.document({});
      return 1;
    }
    throw e;
  }
  if (out.json) out.document({ file: o.file, mode: '600' });
  else io.stderr(`frog key: wrote a new group key to ${o.file} (mode 600)\n`);
  return 0;
}
