/**
 * A peer's metrics in the Prometheus text format (docs/design/control.md §13), with prom-client
 * and one Registry per peer: peers in one process (tests) never share a count. What the runtime
 * counts as it goes arrives through the MetricsSink this class implements; what the group and the
 * host already keep (heartbeats, drops, view changes, members, components) is read from them when
 * the metrics are collected, so the protocol code carries no metrics code at all.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSink } from '../../core/metrics.js';

/** What the metrics read when they are collected. */
export interface MetricSources {
  /** The group member's counters and the members as this peer sees them. */
  group(): {
    heartbeatsSent: number;
    heartbeatsAccepted: number;
    viewChanges: number;
    dropped: Record<string, number>;
    members: { state: string }[];
  };
  /** Every component this peer runs. */
  components(): { state: string; type: string }[];
}

/** Commit latencies: 0.5 ms to 10 s. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Recovery durations: 10 ms to 5 min. */
const RECOVERY_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300];

export class PeerMetrics implements MetricsSink {
  readonly registry = new Registry();
  private sources?: MetricSources;
  private readonly controlRequests: Counter<'operation' | 'outcome'>;
  private readonly deploys: Counter<'outcome'>;
  private readonly failures: Counter;
  private readonly commits: Counter<'outcome'>;
  private readonly commitSeconds: Histogram;
  private readonly recoverySeconds: Histogram;
  private readonly recovered: Counter<'what'>;
  readonly httpRequests: Counter<'endpoint' | 'status'>;

  constructor(labels: { peer?: string } = {}) {
    const registers = [this.registry];
    if (labels.peer) this.registry.setDefaultLabels({ peer: labels.peer });
    const metrics = this;
    new Counter({
      name: 'frog_heartbeats_sent_total',
      help: 'Heartbeats this peer sent to the group.',
      registers,
      collect() {
        const g = metrics.sources?.group();
        this.reset();
        this.inc(g?.heartbeatsSent ?? 0);
      },
    });
    new Counter({
      name: 'frog_heartbeats_received_total',
      help: 'Heartbeats from other peers accepted (authenticated, well formed, timely).',
      registers,
      collect() {
        const g = metrics.sources?.group();
        this.reset();
        this.inc(g?.heartbeatsAccepted ?? 0);
      },
    });
    new Counter({
      name: 'frog_datagrams_dropped_total',
      help: 'Datagrams dropped, by reason (docs/design/group.md).',
      labelNames: ['reason'],
      registers,
      collect() {
        const g = metrics.sources?.group();
        this.reset();
        for (const [reason, n] of Object.entries(g?.dropped ?? {})) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'frog_view_changes_total',
      help: 'Changes of the partition (the view) this peer is in.',
      registers,
      collect() {
        const g = metrics.sources?.group();
        this.reset();
        this.inc(g?.viewChanges ?? 0);
      },
    });
    new Gauge({
      name: 'frog_members',
      help: 'Members of the group as this peer sees them, by state (self, connected, suspected, failed, ...).',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const m of metrics.sources?.group().members ?? []) this.inc({ state: m.state });
      },
    });
    new Gauge({
      name: 'frog_components',
      help: 'Components on this peer, by lifecycle state and type.',
      labelNames: ['state', 'type'],
      registers,
      collect() {
        this.reset();
        for (const c of metrics.sources?.components() ?? []) this.inc({ state: c.state, type: c.type });
      },
    });
    this.deploys = new Counter({ name: 'frog_deploys_total', help: 'Deploy requests, by outcome (the root\'s state when the answer was given, or refused).', labelNames: ['outcome'], registers });
    this.failures = new Counter({ name: 'frog_root_failures_total', help: 'Roots of applications (and of parts placed here) that failed.', registers });
    this.commits = new Counter({ name: 'frog_checkpoint_commits_total', help: 'Checkpoint commits to the store, by outcome.', labelNames: ['outcome'], registers });
    this.commitSeconds = new Histogram({ name: 'frog_checkpoint_commit_seconds', help: 'Time from a checkpoint commit being issued to its being durable.', buckets: COMMIT_BUCKETS, registers });
    this.recoverySeconds = new Histogram({ name: 'frog_recovery_duration_seconds', help: 'Recoveries of the store at start, and how long each took until everything ran again.', buckets: RECOVERY_BUCKETS, registers });
    this.recovered = new Counter({ name: 'frog_recovered_total', help: 'What recoveries brought back: applications and components.', labelNames: ['what'], registers });
    this.controlRequests = new Counter({ name: 'frog_control_requests_total', help: 'Control requests, by operation and outcome (ok, or the refusal code).', labelNames: ['operation', 'outcome'], registers });
    this.httpRequests = new Counter({ name: 'frog_http_requests_total', help: 'Requests to the HTTP listener, by endpoint and status.', labelNames: ['endpoint', 'status'], registers });
  }

  /** Where the collected metrics are read from (the peer, once it is built). */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  controlRequest(operation: string, outcome: string): void {
    this.controlRequests.inc({ operation, outcome });
  }

  deploy(outcome: string): void {
    this.deploys.inc({ outcome });
  }

  applicationFailed(): void {
    this.failures.inc();
  }

  checkpointCommit(outcome: 'ok' | 'failed', seconds: number): void {
    this.commits.inc({ outcome });
    if (outcome === 'ok') this.commitSeconds.observe(seconds);
  }

  recovery(seconds: number, applications: number, components: number): void {
    this.recoverySeconds.observe(seconds);
    this.recovered.inc({ what: 'applications' }, applications);
    this.recovered.inc({ what: 'components' }, components);
  }
}
