/**
 * `frog peer --config FILE`: every option of `frog peer` in a TOML file, one key per long option
 * without its dashes (`key-file = "group.key"`). Options given on the command line override the
 * file; the file overrides environment variables (FROG_KEY_FILE, FROG_HTTP_TOKEN_FILE) and the
 * defaults. Relative paths in the file are relative to the file's folder. A key that is not an
 * option is an error naming it, its line and the option it was probably meant to be (SF4331);
 * a value of the wrong type too (SF4332). `--print-config` prints the effective configuration
 * in the same format.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { FrogError } from '../../../core/errors.js';
import { Messages } from '../../../core/messages/index.js';
import { closestName } from '../../../core/suggest.js';

/**
 * What a key's value may be: text, a whole number (given as a number or as text), a path, or a
 * list of texts (an array, or one text with commas, held as the comma-separated text).
 */
export type ConfigKind = 'string' | 'integer' | 'number' | 'path' | 'list';

/** A configuration file that cannot be used (SF4331 to SF4333). */
export class PeerConfigError extends FrogError {}

/** `key-file` → `keyFile`: the attribute commander gives the option. */
export function attributeOf(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The line (from 1) of `key`'s first appearance as a key or a table, or 0. */
function lineOf(text: string, key: string): number {
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^\\s*(?:\\[+\\s*)?(?:"${k}"|'${k}'|${k})\\s*[=.\\]]`);
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => re.test(l));
  return at + 1;
}

/**
 * Reads a configuration file against the known keys and their kinds: the options it sets, as
 * commander would hold them (attribute names, text values, paths made absolute).
 */
export async function readPeerConfig(file: string, keys: ReadonlyMap<string, ConfigKind>): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PeerConfigError(Messages.ConfigUnreadable, { file, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (e as Error).message });
  }
  return parsePeerConfig(text, file, keys);
}

export function parsePeerConfig(text: string, file: string, keys: ReadonlyMap<string, ConfigKind>): Record<string, string> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? `line ${e.line}: ${e.message.split('\n')[0]}` : (e as Error).message;
    throw new PeerConfigError(Messages.ConfigUnreadable, { file, reason: `it is not valid TOML (${where})` });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc)) {
    const line = lineOf(text, key);
    const kind = keys.get(key);
    if (!kind) {
      const close = closestName(key, keys.keys());
      throw new PeerConfigError(Messages.ConfigUnknownKey, { file, line, key, suggestion: close ? `; did you mean \`${close}\`` : '' });
    }
    const bad = (expected: string) => new PeerConfigError(Messages.ConfigBadValue, { file, line, key, expected });
    switch (kind) {
      case 'integer':
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0) out[attributeOf(key)] = String(value);
        else if (typeof value === 'string' && /^\d+$/.test(value)) out[attributeOf(key)] = value;
        else throw bad('a whole number');
        break;
      case 'number':
        if (typeof value === 'number' && Number.isFinite(value)) out[attributeOf(key)] = String(value);
        else if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) out[attributeOf(key)] = value;
        else throw bad('a number');
        break;
      case 'list':
        if (typeof value === 'string' && value !== '') out[attributeOf(key)] = value;
        else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '' && !v.includes(','))) out[attributeOf(key)] = value.join(',');
        else throw bad('an array of Strings, or one String with commas');
        break;
      case 'path':
        if (typeof value !== 'string' || value === '') throw bad('a path, as a String');
        out[attributeOf(key)] = resolvePath(dirname(resolvePath(file)), value);
        break;
      default:
        if (typeof value !== 'string') throw bad('a String');
        out[attributeOf(key)] = value;
    }
  }
  return out;
}

/** The effective configuration as TOML: every key that has a value, in the options' order. */
export function printPeerConfig(values: Record<string, unknown>, keys: ReadonlyMap<string, ConfigKind>): string {
  const doc: Record<string, string | number | string[]> = {};
  for (const [key, kind] of keys) {
    const v = values[attributeOf(key)];
    if (v === undefined || v === null || v === '') continue;
    if (kind === 'list') {
      doc[key] = String(v).split(',');
      continue;
    }
    doc[key] = (kind === 'integer' || kind === 'number') && Number.isFinite(Number(v)) ? Number(v) : String(v);
  }
  const text = stringify(doc);
  return text.endsWith('\n') ? text : text + '\n';
}
