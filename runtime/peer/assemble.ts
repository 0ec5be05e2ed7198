/**
 * The one place where `frog peer` and `frog run` put a peer together, in two shapes:
 *
 * - networked (`network` given, `frog peer`, networked.ts): the multicast and peer-link
 *   transports, the group member, the store, the Peer with its control server; starting it
 *   recovers every application the store holds;
 * - embedded (`frog run`): no group; a component host in this process with local state only,
 *   checkpointing to the store when there is one. `recoverApplication` applies the run's policy
 *   to what the store holds: the application of the same plan is recovered; one of the same
 *   name from another plan is refused (SF4808), or discarded with `replace`.
 *
 * A problem is reported as one line through `report` (the CLI prefixes its command name) and
 * ends the assembly with an exit code, once what was opened is closed again.
 */
import type { DeploymentPlan } from '../../core/plan-types.js';
import type { Prim } from '../component/component.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import type { GroupMember } from '../group/group-member.js';
import type { TimingProfile } from '../group/profiles.js';
import { ComponentHost } from '../host/host.js';
import type { ComponentRegistry } from '../host/registry.js';
import { Checkpointer, planIdOf } from '../persistence/checkpointing.js';
import { discardApplication, failedApplication, recover, type FailedApplication, type RecoveryReport } from '../persistence/recovery.js';
import { Messages } from '../../core/messages/index.js';
import type { CloseOptions, PeerIncarnation } from '../persistence/store/index.js';
import { LocalStateAccess } from '../state/state-access.js';
import { openStore, type OpenedStore } from './open-store.js';
import type { Peer } from './peer.js';

export interface AssembleOptions {
  /** The peer's name, in the group and in events. */
  name: string;
  registry: ComponentRegistry;
  workingDirectory: string;
  /** A data directory (absolute path): components are checkpointed in an LMDB store there. */
  data?: string;
  /** One line for the operator: a problem (`error ...`) or a warning (`warning: ...`). */
  report(line: string): void;
  /** Join a group on the network; without, the host is embedded in this process. */
  network?: NetworkOptions;
}

export interface NetworkOptions {
  id: number;
  key: GroupKey;
  profile: TimingProfile;
  group: { group: string; port: number };
  /** The interface for the group and the peer links. */
  interfaceAddress: string;
  /**
   * `--join`: heartbeats over unicast too (docs/design/group.md §7), from these member addresses
   * (`host:port`, hosts resolved), on this UDP port of the interface (0: any free one).
   */
  join?: { seeds: string[]; port: number };
  /** The control API's address; when not given, `defaultListen`, or a free loopback port if that is taken. */
  listen?: string;
  defaultListen: string;
  /** An HTTP listener for operators (checked by the caller: beyond loopback only with a token). */
  http?: { listen: string; token?: string };
  /** Seconds a placement waits for an absent peer, as given (default 60; checked once the store is open). */
  placementTimeout?: string;
  /** The member is built and starts next: subscribe to its events here. */
  onMember?(member: GroupMember): void;
  /** The unicast socket is bound at this address (with `join`). */
  onUnicast?(address: string): void;
  /** The member has started; the store opens next. */
  onStarted?(): void;
  /** The peer is built and starts next: subscribe to its host's events here. */
  onPeer?(peer: Peer): void;
}

export interface NetworkedPeer {
  readonly peer: Peer;
  readonly member: GroupMember;
  /** A planned stop: the peer (its records kept, a clean shutdown recorded), then the member. */
  close(reason: string): Promise<void>;
}

export interface EmbeddedPeer {
  readonly host: ComponentHost;
  /** With a data directory. */
  readonly checkpointer?: Checkpointer;
  /** With a data directory: what the store holds of `plan`'s application, recovered, refused or discarded. */
  recoverApplication(plan: DeploymentPlan, replace: boolean): Promise<ApplicationRecovery>;
  /** Closes the store, if any, recording how the run ended. */
  close(o: CloseOptions): Promise<void>;
}

export type ApplicationRecovery =
  | { kind: 'none' }
  /** Recorded from another plan (ids in full): SF4808. */
  | { kind: 'refused'; dir: string; stored: string; plan: string }
  | { kind: 'replaced'; stored: string; discarded: number }
  /** Recorded but not recoverable (SF4811/SF4812, docs/design/recovery.md §3.1): its records are kept; `replace` discards them. */
  | { kind: 'failed'; failure: FailedApplication }
  /** `root` once running again; undefined when nothing could be rebuilt. */
  | { kind: 'recovered'; root?: Prim; report: RecoveryReport; incarnation: PeerIncarnation };

/** The peer, or an exit code after a reported problem. */
export function assemble(o: AssembleOptions & { network: NetworkOptions }): Promise<NetworkedPeer | number>;
export function assemble(o: AssembleOptions & { network?: undefined }): Promise<EmbeddedPeer | number>;
export async function assemble(o: AssembleOptions): Promise<NetworkedPeer | EmbeddedPeer | number> {
  // The network, the control server and the Peer are loaded only for a networked peer.
  if (o.network) return (await import('./networked.js')).assembleNetworked(o, o.network);
  let opened: OpenedStore | undefined;
  if (o.data !== undefined) {
    opened = await openStore(o.data, o.report);
    if (!opened) return 1;
  }
  const checkpointer = opened ? new Checkpointer(opened.store) : undefined;
  const host = new ComponentHost({
    registry: o.registry,
    peer: o.name,
    workingDirectory: o.workingDirectory,
    state: new LocalStateAccess(),
    dataDirectory: opened?.store.location,
    ...checkpointer?.hooks(),
  });
  checkpointer?.attach(host);
  const embedded: EmbeddedPeer = {
    host,
    checkpointer,
    recoverApplication: (plan, replace) => (opened && checkpointer ? recoverApplication(plan, replace, checkpointer, host, opened.incarnation) : Promise.resolve({ kind: 'none' })),
    close: async (c) => {
      await opened?.store.close(c);
    },
  };
  return embedded;
}

/**
 * Recovers the application recorded under the plan's name when its plan id is this plan's;
 * refuses another plan unless `replace` (then discards it).
 */
async function recoverApplication(plan: DeploymentPlan, replace: boolean, checkpointer: Checkpointer, host: ComponentHost, incarnation: PeerIncarnation): Promise<ApplicationRecovery> {
  const store = checkpointer.store;
  const read = await store.readAllChecked();
  const records = read.records.filter((r) => r.app === plan.name);
  const damaged = read.damaged.filter((d) => d.app === plan.name);
  let entry: Awaited<ReturnType<typeof store.getApplication>>;
  try {
    entry = await store.getApplication(plan.name);
  } catch (error) {
    damaged.push({ app: plan.name, reason: failedApplication(Messages.ApplicationUnreadable, plan.name, '', store.location, error).reason });
  }
  if (!entry && !records.length && !damaged.length) return { kind: 'none' };
  const storedId = entry?.planId ?? records[0]?.planId ?? '';
  const discard = async () => ({ kind: 'replaced' as const, stored: storedId, discarded: await discardApplication(host, checkpointer, plan.name) });
  if (damaged.length) {
    if (replace) return discard();
    return { kind: 'failed', failure: failedApplication(Messages.ApplicationUnreadable, plan.name, storedId, store.location, damaged[0]!.reason) };
  }
  if (storedId !== planIdOf(plan)) {
    if (!replace) return { kind: 'refused', dir: store.location, stored: storedId, plan: planIdOf(plan) };
    return discard();
  }
  const report = await recover(host, checkpointer, { applications: [plan.name] });
  const failure = report.failed.find((f) => f.name === plan.name);
  if (failure) return replace ? discard() : { kind: 'failed', failure };
  const app = report.applications.find((a) => a.name === plan.name);
  return { kind: 'recovered', root: app?.root, report, incarnation };
}
