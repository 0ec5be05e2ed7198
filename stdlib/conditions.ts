/**
 * Conditions for If and WaitFor (docs/design/components.md §6): components with
 * `evaluate(): Promise<boolean>`. The standard ones: True, False, BooleanValue, Not, And,
 * Or, and the real-world checks FileExists, PortOpen and UrlResponds.
 */
import { access } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { Prim } from '../runtime/component/component.js';
import { ComponentError } from '../runtime/component/lifecycle.js';

/** The contract If and WaitFor rely on. */
export interface ConditionComponent {
  evaluate(): Promise<boolean>;
}

export function isCondition(p: unknown): p is Prim & ConditionComponent {
  return p instanceof Prim && typeof (p as unknown as ConditionComponent).evaluate === 'function';
}

export abstract class Condition extends Prim implements ConditionComponent {
  abstract evaluate(): Promise<boolean>;
}

export class True extends Condition {
  async evaluate(): Promise<boolean> {
    return true;
  }
}

export class False extends Condition {
  async evaluate(): Promise<boolean> {
    return false;
  }
}

/** `value`: a Boolean (typically a LAZY reference, read at each evaluation). */
export class BooleanValue extends Condition {
  async evaluate(): Promise<boolean> {
    return this.resolveBoolean('value');
  }
}

/** A compound condition over its child conditions (created at deploy time, in order). */
abstract class CompoundCondition extends Condition {
  protected override deploysChildren = true;

  protected conditions(): (Prim & ConditionComponent)[] {
    return this.children.map((c) => {
      if (!isCondition(c)) throw new ComponentError(`\`${c.path}\` is not a condition.`, this.path);
      return c;
    });
  }
}

export class And extends CompoundCondition {
  async evaluate(): Promise<boolean> {
    for (const c of this.conditions()) if (!(await c.evaluate())) return false;
    return true;
  }
}

export class Or extends CompoundCondition {
  async evaluate(): Promise<boolean> {
    for (const c of this.conditions()) if (await c.evaluate()) return true;
    return false;
  }
}

export class Not extends CompoundCondition {
  async evaluate(): Promise<boolean> {
    const [c] = this.conditions();
    if (!c) throw new ComponentError(`\`${this.path}\` needs one condition to negate.`, this.path);
    return !(await c.evaluate());
  }
}

/** `file`: true when the path exists (relative to the host's working directory). */
export class FileExists extends Condition {
  async evaluate(): Promise<boolean> {
    const file = resolvePath(this.host.workingDirectory, this.resolveString('file'));
    try {
      await access(file);
      return true;
    } catch {
      return false;
    }
  }
}

/** `port`, `host` ("127.0.0.1"), `connectTimeout` (1000 ms): true when a TCP connection succeeds. */
export class PortOpen extends Condition {
  async evaluate(): Promise<boolean> {
    const port = this.resolveInteger('port');
    const host = this.resolveString('host', '127.0.0.1');
    const timeout = this.resolveNumber('connectTimeout', 1000);
    return new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeout, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }
}

/**
 * `url`, `status` (expected status; default any 2xx or 3xx), `requestTimeout` (2000 ms):
 * true when a GET answers with the expected status.
 */
export class UrlResponds extends Condition {
  async evaluate(): Promise<boolean> {
    const url = this.resolveString('url');
    const expected = this.hasAttribute('status') ? this.resolveInteger('status') : undefined;
    const status = await httpStatus(url, this.resolveNumber('requestTimeout', 2000));
    if (status === undefined) return false;
    return expected === undefined ? status >= 200 && status < 400 : status === expected;
  }
}

/** The status of a GET, or undefined when the request fails or times out. */
export async function httpStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
