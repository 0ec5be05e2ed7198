/**
 * `frogpond/testing`: the test doubles frogpond's own tests use, for tests of components and
 * of systems built on frogpond. Time that moves only when told to, a simulated network with
 * loss, delay, cuts and partitions, an in-memory checkpoint store, in-process peer links, and
 * the group simulation. None of these belongs in a deployment.
 */
export { ManualClock, SkewedClock, settle } from './core/clock.js';
export { MemoryNetwork, seededRandom, type NetworkConditions } from './runtime/group/memory-network.js';
export { Simulation, type SimPeer, type SimulationOptions } from './runtime/group/simulation.js';
export { MemoryCheckpointStore, MemoryStorage } from './runtime/persistence/store/memory-checkpoint-store.js';
export { MemoryPeerLinks, type MemoryEndpoint } from './runtime/peer/peer-link.js';
export { LocalStateAccess, type LocalStateAccessOptions } from './runtime/state/state-access.js';
export { EventRecorder } from './runtime/host/events.js';
