/** The heartbeat group: membership, stability, leader and the state space (docs/design/group.md). */
export { Bitset, MAX_NODE_ID } from './bitset.js';
export { PROFILES, DEFAULT_PROFILE, getProfile, boundsOf, profileWarnings, paperSafe, UnknownProfileError } from './profiles.js';
export type { TimingProfile, ProfileBounds } from './profiles.js';
export {
  encodeHeartbeat,
  decodeHeartbeat,
  DropCounters,
  DROP_REASONS,
  MAX_DATAGRAM,
  MalformedHeartbeatError,
  DEFAULT_SYSTEM_MAGIC,
} from './wire.js';
export type { Heartbeat, Contact, DropReason } from './wire.js';
export { GroupKey, AuthenticatedDatagramTransport, BadKeyError, sealDatagram, checkDatagram, KEY_BYTES } from './authenticated-transport.js';
export { HeartbeatMachine, DuplicatePeerError } from './heartbeat-machine.js';
export type { Identity, PeerRef, GroupEvent, GroupEventType, PartitionView, MachineOutput, MachineSnapshot } from './heartbeat-machine.js';
export { GroupMember, eventRecord } from './group-member.js';
export type { GroupMemberOptions, GroupCounters, GroupEventHandler } from './group-member.js';
export { StateSpace, Provider, Listener, ValueTooLargeError, ValueNotEncodableError, DEFAULT_MAX_VALUE_BYTES, isStateMessage } from './state-space.js';
export type { ObservedValue, StabilityListener, Value, StateMessage, ListenerHandlers } from './state-space.js';
export type { DatagramTransport, MessageTransport, PeerAddress } from './transport.js';
export { MemoryNetwork, seededRandom } from './memory-network.js';
export type { NetworkConditions } from './memory-network.js';
export { UdpMulticastTransport, TransportError } from './udp-multicast-transport.js';
export type { MulticastOptions } from './udp-multicast-transport.js';
export { TcpMessageTransport, DEFAULT_MAX_FRAME } from './tcp-message-transport.js';
export { generateKeyFile, readKeyFile, KeyFileError } from './key-file.js';
export { Simulation } from './simulation.js';
export type { SimPeer, SimulationOptions } from './simulation.js';
