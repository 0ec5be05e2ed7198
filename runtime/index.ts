/** The component runtime of one peer: component API, host, registry, events, liveness. */
export { Prim, isComponentClass, COMPONENT_BRAND, type RuntimeValue, type RuntimeFunctions, type HostServices } from './component/component.js';
export type { AttributeSchema, AttributeSpec, AttributeType } from './component/attribute-schema.js';
export { Compound } from './component/compound.js';
export { ComponentHost, type ComponentHostOptions, type DeployResult, type DeployOptions, type RebuildNode } from './host/host.js';
export { Checkpointer, planIdOf, type CheckpointerOptions, type RecoveredState } from './persistence/checkpointing.js';
export { recover, discardApplication, type RecoveryOptions, type RecoveryReport, type RecoveredApplication, type FinishRecovered } from './persistence/recovery.js';
export { ComponentRegistry, type ComponentClass } from './host/registry.js';
export { EventStream, EventRecorder, formatEventLine, type RuntimeEvent, type EventListener, type ComponentEventName } from './host/events.js';
export { SystemClock, ManualClock, SkewedClock, settle, type Clock, type TimerHandle } from '../core/clock.js';
export {
  LIFECYCLE_STATES,
  ComponentError,
  AttributeError,
  UnresolvedReferenceError,
  LifecycleFailure,
  normalRecord,
  abnormalRecord,
  isNormal,
  errorText,
  type LifecycleState,
  type TerminationRecord,
  type TerminationCause,
} from './component/lifecycle.js';
export { LivenessSender, ParentWatchdog } from './host/liveness.js';
export { nodeToDescription, descriptionToNode } from './component/plan-nodes.js';
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
} from './state/state-access.js';
export { toStateValue, fromStateValue } from './state/state-values.js';
export * as group from './group/index.js';
export * as store from './persistence/store/index.js';
export { Peer, type PeerOptions } from './peer/peer.js';
export type { PeerStatus, ComponentStatus } from './control/protocol.js';
export { HttpPeerLink, MemoryPeerLinks, type PeerLink, type MemoryEndpoint } from './peer/peer-link.js';
export { RemoteSubtree, placePlan, placeNode, REMOTE_TYPE, parseSubtreeAppName, subtreeAppName, type SubtreeName } from './peer/placement.js';
export { PeerDirectory, LifecyclePublisher, type PeerEntry } from './peer/peer-state.js';
export { PeerReferences, type PeerReferencesOptions } from './peer/peer-references.js';
export { bindRemoteTree, type RemoteTree, type RemotePlace, type RemoteEntry } from './component/references.js';
