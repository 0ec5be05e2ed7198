/**
 * SF4xxx run time, apart from the control protocol (control.ts) and the checkpoint store
 * (store.ts): components and their lifecycle on a host (SF40xx), distributed deployment
 * (SF44xx), the group and a peer's settings (SF45xx), the state space (SF46xx). Part of the
 * one catalogue (index.ts).
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const RuntimeMessages = {
  // --- SF40xx: components on a host (runtime/component/, runtime/host/, stdlib/) -----------
  UnknownComponentType: entry('SF4001', 'Deploy', 'Unknown component type `{type}` for `{path}`.', 'Use a standard component such as `Compound`, `Sequence` or `Exec` (include `/frog/components.sf`), or a module written as `"./file.js#ExportName"`.'),
  ComponentModuleLoad: entry('SF4002', 'Deploy', 'Component module `{module}` for `{path}` cannot be loaded: {reason}.'),
  ComponentModuleExport: entry('SF4003', 'Deploy', 'Component module `{module}` has no component class `{export}` (for `{path}`).', 'Export a class that extends `Prim` under that name.'),
  BadAttribute: entry('SF4004', 'Attribute', 'Attribute `{name}` of `{path}` must be {expected}, found {found}.'),
  MissingAttribute: entry('SF4005', 'Attribute', 'Attribute `{name}` is missing in `{path}`.'),
  RuntimeReference: entry('SF4006', 'LinkResolution', 'Reference `{ref}` in `{path}` cannot be resolved at run time: {reason}.'),
  RuntimeFunction: entry('SF4007', 'Function', 'Lazy function `{fn}` in `{path}` failed: {reason}.'),
  RuntimeAssertion: entry('SF4008', 'Assertion', 'Lazy assertion `{name}` failed in `{path}`. {reason}.'),
  LivenessFailure: entry('SF4009', 'Liveness', 'Component `{path}` did not answer a liveness ping within {seconds} s.'),
  ParentUnreachable: entry('SF4010', 'Liveness', 'Component `{path}` has not been pinged by its parent for {seconds} s; the parent is presumed dead.'),
  BadPlanFile: entry('SF4011', 'Deploy', 'The plan file `{file}` cannot be read: {reason}.'),
  DeployFailed: entry('SF4012', 'Deploy', 'Deploying `{path}` failed: {reason}.'),
  /**
   * A component's own words: the text of `new ComponentError(text, path)` without a code, from
   * a component author (or a standard component). Reported without a code, as it always was.
   */
  ComponentFailed: fragment('SF4013', 'Component', '{message}'),
  /** A lifecycle phase that failed after the component was terminated (LifecycleFailure): the record's reason. */
  LifecycleFailed: fragment('SF4014', 'Lifecycle', '{reason}'),

  // --- SF44xx: distributed deployment (runtime/peer.ts, runtime/placement.ts) --------
  PlacementTimeout: entry('SF4401', 'Placement', 'Peer `{peer}` for `{path}` did not appear in the group within {seconds} s.', 'Start `frog peer --name {peer}` in the same group (same `--group` and key), or change `sfProcessHost`.'),
  RemotePeerLost: entry('SF4402', 'Placement', 'Peer `{peer}` running `{path}` is no longer in the group: {reason}.'),
  UnknownSubtree: entry('SF4403', 'Placement', 'Peer `{peer}` runs no live `{path}` of application `{app}` with instance `{instance}`.'),
  SubtreeFenced: entry('SF4404', 'Placement', 'The subtree `{path}` (instance `{instance}`) was {verdict} by its parent on peer `{peer}`; this copy terminates.'),
  RemoteDeployFailed: entry('SF4408', 'Placement', 'Deploying `{path}` on peer `{peer}` failed: {reason}.'),
  /** Two peers ran one application name (a deploy while one was down or cut off): the older copy ends. */
  ApplicationReplaced: entry('SF4411', 'Placement', 'The application `{name}` also runs on peer `{peer}`, deployed after this copy; this copy terminates.'),
  RemoteReference: entry('SF4410', 'LinkResolution', 'Reference `{ref}` in `{path}` reaches `{target}` of application `{app}` on another peer, which {reason}.', 'Components on other peers are read through the state space: the value is there while the component runs and is published.'),

  // --- SF45xx: the group (runtime/group/) and the settings of `frog peer` -------------------
  KeyFileProblem: entry('SF4501', 'Group', 'Key file `{path}`: {reason}.'),
  BadGroupKey: fragment('SF4502', 'Group', '{reason}'),
  UnknownProfile: entry('SF4503', 'Group', 'Unknown profile `{name}`; choose one of {choices}.'),
  /** Why a datagram was dropped (counted, never shown as a sentence of its own). */
  MalformedHeartbeat: fragment('SF4504', 'Group', 'malformed heartbeat: {reason}'),
  ValueTooLarge: entry('SF4505', 'Group', 'The value of provider `{provider}` encodes to {size} bytes, more than the limit of {limit}.'),
  ValueNotEncodable: entry('SF4506', 'Group', 'The value of provider `{provider}` cannot be encoded: {reason}.'),
  GroupPortUnavailable: entry('SF4507', 'Group', 'Cannot bind the group port {port}: {reason}.'),
  MulticastJoinFailed: entry('SF4508', 'Group', 'Cannot join the multicast group {group} on {interface}: {reason}.'),
  BadGroupOption: entry('SF4509', 'Peer', '--group must be ADDRESS:PORT, as in {example}; got `{text}`.'),
  NotMulticastGroup: entry('SF4510', 'Peer', '--group address `{address}` is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255).'),
  BadPeerName: entry('SF4511', 'Peer', '--name must be 1 to 64 bytes.'),
  BadPeerId: entry('SF4512', 'Peer', '--id must be an integer from 0 to {max}; got `{id}`.'),
  BadEventsOption: entry('SF4513', 'Peer', '--events takes `json`; got `{events}`.'),
  KeyFileRequired: entry('SF4514', 'Peer', '--key-file is required (or set FROG_KEY_FILE); create one with `frog key generate FILE`.'),
  /** This peer is the newcomer of two with one name (docs/design/group.md §2.1 "Identity clashes"): it leaves; `frog peer` exits with 3. */
  DuplicatePeerName: entry('SF4515', 'Peer', 'Duplicate name `{name}`: it is already used by the peer at {address} (node id {id}); this peer is refused.', 'Start this peer with another `--name` (its node id comes from the name unless `--id` sets it).'),
  /** This peer is the newcomer of two with one node id and different names: it leaves; `frog peer` exits with 3. */
  DuplicatePeerId: entry('SF4516', 'Peer', 'Duplicate node id {id}: it is already used by peer `{name}` at {address}; this peer is refused.', 'Start this peer with another `--id` (0 to 2047).'),
  /** A peer that duplicates the name or node id of one that ran first is ignored by the group (a warning). */
  DuplicatePeerIgnored: entry('SF4517', 'Group', 'Peer `{name}` (node id {id}) at {address} uses the {what} of peer `{incumbent}` (node id {incumbentId}), which ran first; its heartbeats are ignored.', undefined, 'warning'),
  /** Two peers with one node id under different names, the first one heard keeping it (a warning). */
  SharedPeerId: entry('SF4518', 'Group', 'Peers `{first}` and `{second}` both use node id {id}; the heartbeats of `{second}` are ignored.', 'Give each peer a node id of its own with `--id` (0 to 2047).', 'warning'),
  /** `--join` (or `join` in the configuration file) is not a list of HOST:PORT (docs/design/group.md §7). */
  BadJoinOption: entry('SF4540', 'Peer', '--join must be HOST:PORT[,HOST:PORT…], as in 10.0.0.5:4242 or [fd00::5]:4242; got `{text}`.', 'Name the address and unicast port (`--join-port`, by default the group port) of any member of the group.'),
  /** A `--join` host name that does not resolve at start. */
  JoinHostUnresolved: entry('SF4541', 'Peer', 'The --join address `{host}` cannot be resolved: {reason}.', 'Give an IP address, or a name this machine can resolve.'),
  /** The unicast socket of `--join` cannot be bound. */
  UnicastPortUnavailable: entry('SF4542', 'Group', 'Cannot bind the unicast port {address}: {reason}.', 'Choose another port with `--join-port` (0: any free port), or stop what holds it.'),
  BadJoinPort: entry('SF4543', 'Peer', '--join-port must be a port from 0 to 65535; got `{text}`.', 'Give 0 for any free port; by default the group port is used.'),
  /** `--nice` (or `nice` in the configuration file) is not a scheduling priority. */
  BadNice: entry('SF4544', 'Peer', '--nice must be a whole number from -20 to 19; got `{text}`.', 'Give a negative number, such as -10, to let heartbeats through on a busy host (docs/operations.md).'),
  /** The peer could not change its scheduling priority (a warning: it runs at the priority it has). */
  NiceNotPermitted: entry('SF4545', 'Peer', 'Cannot set the scheduling priority to {nice}: {reason}; the peer runs at priority {current}.', 'Run the peer as root or with CAP_SYS_NICE (the packaged systemd unit sets `Nice=` itself).', 'warning'),

  // --- SF46xx: the state space as components see it (runtime/state-access.ts, stdlib/state/) ---
  NoStateSpace: entry('SF4601', 'State', 'Component `{path}` needs the state space, but its host has none.', 'Run it with `frog run` or on a peer started with `frog peer`.'),
  BadStateName: entry('SF4602', 'State', 'The state name `{name}` is not valid: {reason}.', 'A state name is a non-empty String of at most 1024 characters, such as `service/web`.'),
  BadStateValue: entry('SF4603', 'State', 'The value for the state name `{name}` cannot be published: {reason}.'),
  StateWithdrawn: entry('SF4604', 'State', 'The state `{name}` was withdrawn and cannot be updated.'),
  TooFewProviders: entry('SF4605', 'State', 'Only {count} of the {minimum} providers of `{name}` needed by `{path}` appeared within {timeout} ms.'),
} as const satisfies Record<string, MessageEntry>;
