/**
 * How one peer calls another peer's control API. Real peers use signed HTTP (`HttpPeerLink`,
 * over runtime/control); in-process tests on the memory network use `MemoryPeerLinks`, which
 * hands the request to the other peer's handler after a JSON round trip (the same data a wire
 * would carry) and refuses it when the memory network says the two nodes cannot reach each
 * other, so partitions cut control calls as they cut heartbeats.
 *
 * Contract: `call` resolves with the operation's result or rejects with a ControlError
 * (code and reason); it never hangs longer than its timeout.
 */
import { Messages } from '../../core/messages/index.js';
import { ControlError, controlRequest } from '../control/control-client.js';
import { ControlRefusal } from '../control/control-server.js';
import type { AnswerOf, Operation, RequestOf } from '../control/protocol.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import type { MemoryNetwork } from '../group/memory-network.js';

/** A call of one operation of the protocol (docs/design/control.md §6, §7), typed by it. */
export interface PeerLink {
  call<Op extends Operation>(address: string, operation: Op, body: RequestOf<Op>, timeoutMs?: number): Promise<AnswerOf<Op>>;
}

export class HttpPeerLink implements PeerLink {
  constructor(private readonly key: GroupKey) {}

  call<Op extends Operation>(address: string, operation: Op, body: RequestOf<Op>, timeoutMs = 30_000): Promise<AnswerOf<Op>> {
    return controlRequest<AnswerOf<Op>>({ peer: address, key: this.key, operation, body, format: 'msgpack', timeoutMs });
  }
}

/** What a peer offers to in-process links: its node id and its operation dispatcher. */
export interface MemoryEndpoint {
  id: number;
  handle(operation: string, body: unknown): Promise<unknown>;
}

/** The control "network" of in-process peers: addresses `mem:<name>`. */
export class MemoryPeerLinks {
  private readonly endpoints = new Map<string, MemoryEndpoint>();
  /** Calls made, by operation (tests look at them). */
  readonly calls = new Map<string, number>();

  constructor(private readonly network?: MemoryNetwork) {}

  register(address: string, endpoint: MemoryEndpoint): void {
    this.endpoints.set(address, endpoint);
  }

  unregister(address: string, endpoint?: MemoryEndpoint): void {
    if (!endpoint || this.endpoints.get(address) === endpoint) this.endpoints.delete(address);
  }

  /** The link used by the peer with node id `from`. */
  linkFor(from: number): PeerLink {
    return {
      call: async <Op extends Operation>(address: string, operation: Op, body: RequestOf<Op>, timeoutMs?: number): Promise<AnswerOf<Op>> => {
        this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
        const target = this.endpoints.get(address);
        if (![...this.endpoints.values()].some((e) => e.id === from)) {
          throw new ControlError(Messages.ControlUnreachable, { peer: address, reason: 'this peer is down' });
        }
        const reachable = (a: number, b: number) => !this.network || this.network.reachable(a, b);
        if (!target || !reachable(from, target.id) || !reachable(target.id, from)) {
          throw new ControlError(Messages.ControlUnreachable, { peer: address, reason: 'no peer is listening there' });
        }
        let answer: unknown;
        try {
          const handled = target.handle(operation, JSON.parse(JSON.stringify(body ?? {})));
          // As a socket would: a peer that does not answer in time is unreachable (on the network's clock).
          const clock = this.network?.clock;
          if (clock && timeoutMs !== undefined) {
            let timer: { cancel(): void } | undefined;
            const late = new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new ControlError(Messages.ControlUnreachable, { peer: address, reason: 'timed out' })), timeoutMs)));
            try {
              answer = await Promise.race([handled, late]);
            } finally {
              timer?.cancel();
            }
          } else answer = await handled;
        } catch (e) {
          if (e instanceof ControlError) throw e;
          if (e instanceof ControlRefusal) throw new ControlError(e.entry, e.params, e.status);
          throw new ControlError(Messages.ControlFailed, { reason: e instanceof Error ? e.message : String(e) }, 500);
        }
        // The answer crosses the "network" too (and a partition that began meanwhile loses it).
        if (!this.endpoints.has(address) || !reachable(target.id, from)) {
          throw new ControlError(Messages.ControlUnreachable, { peer: address, reason: 'the connection was lost' });
        }
        return (answer === undefined ? null : JSON.parse(JSON.stringify(answer))) as AnswerOf<Op>;
      },
    };
  }
}
