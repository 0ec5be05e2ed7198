/**
 * `frog key generate FILE`: creates a group key file (32 random bytes, base64, one line, mode 0600).
 * Exit codes: 0 created; 1 the file exists or cannot be written.
 */
import { resolve as resolvePath } from 'node:path';
import { generateKeyFile, KeyFileError } from '../../../runtime/group/key-file.js';
import type { Io } from '../../io.js';

export interface KeyGenerateOptions {
  file: string;
}

export async function keyGenerateCommand(o: KeyGenerateOptions, io: Io): Promise<number> {
  try {
    await generateKeyFile(resolvePath(io.cwd, o.file));
  } catch (e) {
    if (e instanceof KeyFileError) {
      io.stderr(`frog key: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  io.stderr(`frog key: wrote a new group key to ${o.file} (mode 600)\n`);
  return 0;
}
