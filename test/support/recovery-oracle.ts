/**
 * The oracle of the kill -9 runs: replays the workload peer's `req`/`ack` lines and checks a
 * recovered state against them (docs/design/recovery.md §6.4 C1–C3): every acknowledged change is there,
 * and nothing that was never requested.
 */
export const PATHS = ['sfConfig', 'sfConfig:a', 'sfConfig:b', 'sfConfig:c', 'sfConfig:inner', 'sfConfig:inner:x', 'sfConfig:inner:y'];

interface PathState {
  /** Values requested for the attribute `v`, in the order they were applied. */
  requested: string[];
  /** Index in `requested` of the last acknowledged value, or -1. */
  acked: number;
  removeRequested: boolean;
  removeAcked: boolean;
}

interface AppState {
  deployAcked: boolean;
  terminateRequested: boolean;
  terminateAcked: boolean;
  paths: Map<string, PathState>;
}

export type Tree = Record<string, Record<string, string | null>>;

export class Oracle {
  private apps = new Map<string, AppState>();
  acknowledged = 0;

  /** Starts from a recovered state: what it holds is now the truth. */
  reset(apps: Tree): void {
    this.apps.clear();
    for (const [app, tree] of Object.entries(apps)) {
      const paths = new Map<string, PathState>();
      for (const p of PATHS) {
        const v = tree[p];
        if (v === undefined) paths.set(p, { requested: [], acked: -1, removeRequested: true, removeAcked: true });
        else paths.set(p, { requested: v === null ? [] : [v], acked: v === null ? -1 : 0, removeRequested: false, removeAcked: false });
      }
      this.apps.set(app, { deployAcked: true, terminateRequested: false, terminateAcked: false, paths });
    }
  }

  apply(line: Record<string, unknown>): void {
    if (line.kind !== 'req' && line.kind !== 'ack') return;
    const app = String(line.app);
    const req = line.kind === 'req';
    if (!req) this.acknowledged++;
    switch (line.op) {
      case 'deploy': {
        if (req) {
          const paths = new Map<string, PathState>();
          for (const p of PATHS) paths.set(p, { requested: [String(line.v)], acked: -1, removeRequested: false, removeAcked: false });
          this.apps.set(app, { deployAcked: false, terminateRequested: false, terminateAcked: false, paths });
        } else {
          const a = this.apps.get(app)!;
          a.deployAcked = true;
          for (const p of a.paths.values()) p.acked = Math.max(p.acked, 0);
        }
        return;
      }
      case 'attr': {
        const p = this.apps.get(app)?.paths.get(String(line.path));
        if (!p) throw new Error(`oracle: attribute change of an unknown component ${app} ${String(line.path)}`);
        if (req) p.requested.push(String(line.v));
        else p.acked = Math.max(p.acked, p.requested.lastIndexOf(String(line.v)));
        return;
      }
      case 'remove': {
        const a = this.apps.get(app);
        const prefix = String(line.path);
        for (const [path, p] of a?.paths ?? []) {
          if (path !== prefix && !path.startsWith(prefix + ':')) continue;
          if (req) p.removeRequested = true;
          else p.removeAcked = true;
        }
        return;
      }
      case 'terminate': {
        const a = this.apps.get(app);
        if (!a) return;
        if (req) a.terminateRequested = true;
        else a.terminateAcked = true;
        return;
      }
    }
  }

  /** The differences between a recovered state and what the acknowledged changes require; empty when it is right. */
  check(recovered: Tree): string[] {
    const problems: string[] = [];
    for (const app of Object.keys(recovered)) {
      if (!this.apps.has(app)) problems.push(`${app} was recovered but never requested`);
    }
    for (const [name, a] of this.apps) {
      const tree = recovered[name];
      if (!tree) {
        if (a.deployAcked && !a.terminateRequested) problems.push(`${name}: acknowledged deployment lost`);
        continue;
      }
      if (a.terminateAcked) {
        problems.push(`${name}: acknowledged termination undone`);
        continue;
      }
      for (const path of Object.keys(tree)) if (!a.paths.has(path)) problems.push(`${name}: ${path} was never requested`);
      for (const [path, p] of a.paths) {
        const v = tree[path];
        if (v === undefined) {
          if (a.deployAcked && !a.terminateRequested && !p.removeRequested) problems.push(`${name}: ${path} lost`);
          continue;
        }
        if (p.removeAcked) {
          problems.push(`${name}: ${path} was removed (acknowledged) but came back`);
          continue;
        }
        const i = v === null ? -1 : p.requested.lastIndexOf(v);
        if (v !== null && i < 0) problems.push(`${name}: ${path} has v=${v}, never requested`);
        else if (i < p.acked) problems.push(`${name}: ${path} has v=${v}, older than the acknowledged ${p.requested[p.acked]}`);
      }
    }
    return problems;
  }
}
