/** The component runtime of one peer: component API, host, registry, events, liveness. */
export { Prim, isComponentClass, COMPONENT_BRAND, type RuntimeValue, type RuntimeFunctions, type HostServices } from './component.js';
export { Compound } from './compound.js';
export { ComponentHost, type ComponentHostOptions, type DeployResult, type DeployOptions, type RebuildNode } from './host.js';
export { Checkpointer, planIdOf, type CheckpointerOptions, type RecoveredState } from './checkpointing.js';
export { recover, discardApplication, type RecoveryOptions, type RecoveryReport, type RecoveredApplication, type FinishRecovered } from './recovery.js';
export { ComponentRegistry, type ComponentClass } from './registry.js';
export { EventStream, EventRecorder, formatEventLine, type RuntimeEvent, type EventListener, type ComponentEventName } from './events.js';
export { SystemClock, ManualClock, settle, type Clock, type TimerHandle } from '../core/clock.js';
export {
  LIFECYCLE_STATES,
  ComponentError,
  AttributeError,
  LifecycleFailure,
  normalRecord,
  abnormalRecord,
  isNormal,
  errorText,
  type LifecycleState,
  type TerminationRecord,
  type TerminationCause,
} from './lifecycle.js';
export { LivenessSender, ParentWatchdog } from './liveness.js';
export { nodeToDescription, descriptionToNode } from './plan-nodes.js';
export {
  LocalStateAccess,
  GroupStateAccess,
  StateAccessError,
  checkStateName,
  checkStateValue,
  type StateAccess,
  type StateValue,
  type ProviderEntry,
  type Observation,
  type ObservationHandlers,
  type PublishedState,
  type LocalStateAccessOptions,
} from './state-access.js';
export { toStateValue, fromStateValue } from './state-values.js';
export * as group from './group/index.js';
export * as store from './store/index.js';
export { Peer, GroupRuntimeClock, type PeerOptions, type PeerStatus, type ComponentStatus } from './peer.js';
export { HttpPeerLink, MemoryPeerLinks, type PeerLink, type MemoryEndpoint } from './peer-link.js';
export { RemoteSubtree, placePlan, placeNode, REMOTE_TYPE, parseSubtreeAppName, subtreeAppName, type SubtreeName } from './placement.js';
export { PeerDirectory, LifecyclePublisher, type PeerEntry } from './peer-state.js';
export { PeerReferences, type PeerReferencesOptions } from './peer-references.js';
export { bindRemoteTree, type RemoteTree, type RemotePlace, type RemoteEntry } from './references.js';
