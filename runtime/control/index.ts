/** The peer's authenticated control API: a server for `frog peer`, a client for the CLI and other peers. */
export { ControlServer, ControlRefusal, MAX_STREAMS, type StreamSink, type StreamHandler, DEFAULT_CONTROL_PORT, DEFAULT_MAX_BODY, MAX_CONNECTIONS, splitAddress, type ControlHandler, type ControlServerOptions } from './control-server.js';
export { controlRequest, controlStream, ControlError, type ControlRequestOptions, type ControlStream, type ControlStreamOptions, type StreamEnd } from './control-client.js';
export { MAX_SKEW_MS, canonicalTarget } from './signing.js';
export { OPERATIONS, STREAM_OPERATIONS, CHECKS, checkMonitor, dispatch, isOperation, type Protocol, type Operation, type RequestOf, type CheckedOf, type AnswerOf, type Handlers, type ComponentStatus, type EndedApplication, type PeerStatus, type GroupStatus, type MembersAnswer, type SubtreeState, type QueryAnswer, type ProviderStatus, type MonitorRequest } from './protocol.js';
