/**
 * Fencing of the parts run here (docs/design/control.md §7.5): when a parent's peer is present
 * (again), each part it placed here asks it whether it is still the instance its proxy stands
 * for (`subtree-status`); a part that was replaced, or whose proxy is gone, terminates (SF4404),
 * so that one part never runs twice.
 */
import { Messages, formatMessage } from '../../core/messages/index.js';
import type { PeerContext } from './context.js';
import { keyOf, type Parts, type SubtreeEntry } from './parts.js';

export class Fencing {
  constructor(
    private readonly ctx: PeerContext,
    private readonly parts: Parts,
  ) {}

  /** The parent's peer is (again) present: its subtrees here ask whether they are still wanted. */
  parentPresent(peer: string): void {
    for (const e of this.parts.entries.values()) if (e.name.parentPeer === peer) void this.checkWithParent(e);
  }

  /** Asks the parent's peer about this subtree; terminates it when replaced or gone. */
  private async checkWithParent(entry: SubtreeEntry, attempt = 0): Promise<void> {
    if (this.ctx.stopping() || attempt > 30) return;
    const parent = this.ctx.directory.get(entry.name.parentPeer);
    if (!parent) return; // Checked again when it appears; the watchdog ends it meanwhile.
    let verdict: string;
    try {
      const answer = await this.ctx.link.call(parent.control, 'subtree-status', { app: entry.name.app, path: entry.name.path, instance: entry.name.instance }, 10_000);
      verdict = answer?.verdict ?? 'unknown';
    } catch {
      verdict = 'unknown';
    }
    if (this.parts.entries.get(keyOf(entry.name.app, entry.name.path)) !== entry) return;
    if (verdict === 'unknown') {
      this.ctx.clock.setTimeout(() => void this.checkWithParent(entry, attempt + 1), 2000);
      return;
    }
    if (verdict === 'current') return;
    await this.fence(entry, verdict === 'replaced' ? 'replaced' : 'terminated');
  }

  /** Terminates a part on its parent's word (SF4404). */
  async fence(entry: SubtreeEntry, verdict: string): Promise<void> {
    entry.byParent = true;
    this.parts.entries.delete(keyOf(entry.name.app, entry.name.path));
    const root = entry.root;
    if (!root || root.isTerminating) return;
    const message = formatMessage(Messages.SubtreeFenced, { path: entry.name.path, instance: entry.name.instance, verdict, peer: entry.name.parentPeer });
    this.ctx.host.emit(root, 'log', { stream: 'log', text: message });
    await root.sfTerminate({ type: 'abnormal', reason: message, path: root.path, cause: { name: 'SubtreeFenced', message, code: Messages.SubtreeFenced.code } });
  }
}
