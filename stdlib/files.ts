/**
 * File and Directory. Paths are relative to the host's working directory.
 *
 * File: writes `content` to `path` atomically (a temporary file in the same folder, then a
 * rename), with `mode` (an Integer such as 420, or an octal String such as "0644"); with
 * `template true`, `${name}` in the content is replaced by the text of the attribute
 * `name` looked up from the component (`${PARENT:x}` works too). `deleteOnTerminate`
 * removes the file again. Terminates normally after writing when `sfShouldTerminate`
 * (default true), so it works as a workflow step.
 *
 * Directory: creates `path` (and its parents) and gives it `mode` ("0755"), whatever the
 * umask, also when it exists already.
 */
import { chmod, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { Prim } from '../runtime/component/component.js';
import { Messages } from '../core/messages/index.js';
import { AttributeError, normalRecord } from '../runtime/component/lifecycle.js';
import { valueText } from './echo.js';

function parseMode(p: Prim, name: string, dflt: number): number {
  if (!p.hasAttribute(name)) return dflt;
  const v = p.sfResolve(name);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) return parseInt(v, 8);
  throw new AttributeError(Messages.BadAttribute, { name, path: p.path, expected: 'a file mode such as "0644"', found: JSON.stringify(valueText(v)) }, p.path);
}

export class File extends Prim {
  protected override shouldTerminateByDefault = true;
  private file = '';
  private written = false;

  protected override async deploy(): Promise<void> {
    this.file = resolvePath(this.host.workingDirectory, this.resolveString('path'));
  }

  protected override async start(): Promise<void> {
    let content = valueText(this.sfResolve('content', ''));
    if (this.resolveBoolean('template', false)) {
      content = content.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => valueText(this.lookup(ref.trim())));
    }
    const mode = parseMode(this, 'mode', 0o644);
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await writeFile(temp, content, { mode });
      await chmod(temp, mode);
      await rename(temp, this.file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    this.written = true;
    this.log(`wrote ${this.file}`);
    this.finished(normalRecord(`wrote ${this.file}`, this.path));
  }

  protected override async terminate(): Promise<void> {
    if (this.written && this.resolveBoolean('deleteOnTerminate', false)) await rm(this.file, { force: true });
  }
}

export class Directory extends Prim {
  protected override shouldTerminateByDefault = true;
  private dir = '';
  private created = false;

  protected override async start(): Promise<void> {
    this.dir = resolvePath(this.host.workingDirectory, this.resolveString('path'));
    const mode = parseMode(this, 'mode', 0o755);
    const existed = await stat(this.dir).then((s) => s.isDirectory(), () => false);
    await mkdir(this.dir, { recursive: true, mode });
    this.created = !existed;
    // mkdir's mode is filtered by the umask and does nothing to an existing folder.
    await chmod(this.dir, mode);
    this.finished(normalRecord(`created ${this.dir}`, this.path));
  }

  /** Only a directory this component created is removed, and only when asked. */
  protected override async terminate(): Promise<void> {
    if (this.created && this.resolveBoolean('deleteOnTerminate', false)) await rm(this.dir, { recursive: true, force: true });
  }
}
