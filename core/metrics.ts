/**
 * Where the runtime reports what it counts, for the peer's `/metrics` (docs/design/control.md
 * §13): a narrow sink that the control server, the checkpointer and the peer are given, so that
 * their code stays free of any metrics library and testable with a recording sink. Counters kept
 * by the group already (heartbeats, drops, view changes) are read when metrics are collected
 * rather than pushed here. Each peer has its own sink: nothing is global, so peers in one process
 * (tests) never share a count.
 */

/** What the runtime counts, by name; labels are bounded sets (an operation, an outcome, a code). */
export interface MetricsSink {
  /** A control request ended: its operation (`other` for one this server does not serve) and `ok` or its refusal code. */
  controlRequest(operation: string, outcome: string): void;
  /** A deploy request ended: the root's state (`running`, `failed`, ...) or `refused`. */
  deploy(outcome: string): void;
  /** An application's root failed on this peer. */
  applicationFailed(): void;
  /** A checkpoint commit ended, durable (`ok`) or not (`failed`), after `seconds`. */
  checkpointCommit(outcome: 'ok' | 'failed', seconds: number): void;
  /** A recovery of the store's applications at start took `seconds`. */
  recovery(seconds: number, applications: number, components: number): void;
}

/** A sink that keeps nothing: the default wherever none is given. */
export const NO_METRICS: MetricsSink = {
  controlRequest() {},
  deploy() {},
  applicationFailed() {},
  checkpointCommit() {},
  recovery() {},
};
