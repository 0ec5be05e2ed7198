/**
 * Group key files (docs/design/pipeline.md §6): 32 random bytes, base64, one line, mode 0600.
 * A key file that group or others can read is refused. The key never appears in a message.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';
import { GroupKey, KEY_BYTES } from './authenticated-transport.js';

export class KeyFileError extends FrogError {
  constructor(readonly path: string, reason: string) {
    super(Messages.KeyFileProblem, { path, reason });
    this.name = 'KeyFileError';
  }
}

/** Creates a new key file readable only by its owner; refuses to overwrite an existing file. */
export async function generateKeyFile(path: string): Promise<void> {
  const text = randomBytes(KEY_BYTES).toString('base64') + '\n';
  let handle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeyFileError(path, 'the file already exists; remove it first to replace the key.');
    throw new KeyFileError(path, `cannot be created (${code ?? String(e)}).`);
  }
  try {
    await handle.chmod(0o600); // in case the umask or the file system changed the mode
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** Reads and checks a key file: owner-only permissions, one line of base64 encoding 32 bytes. */
export async function readKeyFile(path: string): Promise<GroupKey> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    throw new KeyFileError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
  }
  if (!stat.isFile()) throw new KeyFileError(path, 'is not a regular file.');
  if ((stat.mode & 0o077) !== 0) {
    throw new KeyFileError(path, `is readable by others (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\`.`);
  }
  if (stat.size > 1024) throw new KeyFileError(path, 'is too large to be a key file.');
  const text = (await fs.readFile(path, 'utf8')).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new KeyFileError(path, 'is not one line of base64; create one with `frog key generate`.');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) throw new KeyFileError(path, `holds ${bytes.length} bytes, not ${KEY_BYTES}; create one with \`frog key generate\`.`);
  return new GroupKey(bytes);
}
