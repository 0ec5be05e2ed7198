/**
 * frogpond's public API, named one by one: what a component author extends, each stage's
 * entry point (parse → resolve → plan → run on a host or a peer), the values and plans that
 * pass between them, and the errors they raise. Test doubles (manual clock, memory network,
 * memory store, simulation) are in `frogpond/testing`; everything else is internal.
 * The stages and the data between them: docs/design/pipeline.md.
 */

// --- Components: the classes a component author extends, and what their hooks see ---------
export { Prim, Compound, isComponentClass, type RuntimeValue, type RuntimeFunctions } from './runtime/index.js';
export type { AttributeSchema, AttributeSpec, AttributeType } from './runtime/index.js';
export {
  LIFECYCLE_STATES,
  normalRecord,
  abnormalRecord,
  isNormal,
  errorText,
  type LifecycleState,
  type TerminationRecord,
  type TerminationCause,
} from './runtime/index.js';
export type { StateAccess, StateValue, ProviderEntry, Observation, ObservationHandlers, PublishedState } from './runtime/index.js';
export { ComponentRegistry, type ComponentClass } from './runtime/index.js';
export {
  createStandardRegistry,
  registerStandardComponents,
  WorkflowCompound,
  Sequence,
  Parallel,
  Repeat,
  Retry,
  Timeout,
  During,
  Delay,
  DoNothing,
  Try,
  Terminator,
  Run,
  If,
  WaitFor,
  FailingWaitFor,
  Condition,
  isCondition,
  Echo,
  Log,
  Exec,
  File,
  Directory,
  HttpProbe,
  StatePublisher,
  StateObserver,
  ForEach,
  type ConditionComponent,
} from './stdlib/index.js';

// --- Source text, positions and diagnostics ----------------------------------------------
export { SourceFile, type Span, type Position } from './core/source.js';
export { DiagnosticBag, hasErrors, type Diagnostic, type Severity, type RelatedInformation } from './core/diagnostics.js';
export { Messages, messageForCode, type MessageEntry } from './core/messages/index.js';
export { renderDiagnostic, renderDiagnostics, type RenderOptions, type SourceLookup } from './core/render.js';

// --- Parse: .sf text → syntax tree ----------------------------------------------------------
export { parse, parseReference, print, printValue, toSExpression, type ParseResult, type ReferenceParseResult } from './language/index.js';
export type * as Ast from './language/ast.js';

// --- Resolve: syntax tree → the resolved sfConfig -------------------------------------------
export { resolveFile, DEFAULT_PHASES, unparse, type ResolveOptions, type ResolveResult } from './compiler/index.js';
export { Description, Ref, Applied, SfFloat, SfDouble, TBD, kindOf, type Value, type Attr } from './core/values.js';
export { toCanonicalJson, encodeValue, decodeValue } from './core/canonical.js';

// --- Plan: the resolved sfConfig → a deployment plan (and its bytes) -------------------------
export { compile, compileFile, type CompileOptions, type CompileResult, type CompileFileResult } from './compiler/index.js';
export { readPlan, serialisePlan, planId } from './core/plan-format.js';
export type { DeploymentPlan, PlanNode, EncodedValue } from './core/plan-types.js';

// --- Run: a plan on a component host (one process) or on peers ----------------------------
export { ComponentHost, type ComponentHostOptions, type DeployResult, type DeployOptions } from './runtime/index.js';
export { EventStream, formatEventLine, type RuntimeEvent, type EventListener, type ComponentEventName } from './runtime/index.js';
export { SystemClock, type Clock, type TimerHandle } from './core/clock.js';
export { Peer, type PeerOptions, type PeerStatus, HttpPeerLink, type PeerLink } from './runtime/index.js';
export { GroupMember, GroupKey, UdpMulticastTransport, TcpMessageTransport, PROFILES, DEFAULT_PROFILE, getProfile, generateKeyFile, readKeyFile } from './runtime/group/index.js';
export type { GroupMemberOptions, GroupEvent, TimingProfile, DatagramTransport, MessageTransport } from './runtime/group/index.js';
export { LmdbCheckpointStore, type CheckpointStore } from './runtime/persistence/store/index.js';
export { recover, type RecoveryReport } from './runtime/index.js';

// --- Errors ----------------------------------------------------------------------------------
export { FrogError } from './core/errors.js';
export { ComponentError, AttributeError, UnresolvedReferenceError, LifecycleFailure, StateAccessError } from './runtime/index.js';
export { PlanFormatError } from './core/plan-format.js';
export { CanonicalError } from './core/canonical.js';
export { FunctionError } from './functions/index.js';
export { StoreError, StoreLockedError, StoreVersionError, StoreCorruptError, StoreUnavailableError, StoreWriteError, StoreClosedError } from './runtime/persistence/store/index.js';
export { ControlError } from './runtime/control/index.js';
export { UnknownProfileError, KeyFileError, BadKeyError } from './runtime/group/index.js';
