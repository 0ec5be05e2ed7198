/** The peer's authenticated control API: a server for `frog peer`, a client for the CLI and other peers. */
export { ControlServer, ControlRefusal, DEFAULT_CONTROL_PORT, DEFAULT_MAX_BODY, MAX_CONNECTIONS, splitAddress, type ControlHandler, type ControlServerOptions } from './control-server.js';
export { controlRequest, ControlError, type ControlRequestOptions } from './control-client.js';
export { MAX_SKEW_MS, canonicalTarget } from './signing.js';
export { OPERATIONS, CHECKS, dispatch, isOperation, type Protocol, type Operation, type RequestOf, type CheckedOf, type AnswerOf, type Handlers, type ComponentStatus, type EndedApplication, type PeerStatus, type GroupStatus, type MembersAnswer, type SubtreeState } from './protocol.js';
