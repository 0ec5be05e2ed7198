/** Addresses the commands default to, shared by their option declarations and their work. */

/** The control address a client command asks, and a peer listens on, when none is given. */
export const DEFAULT_PEER = '127.0.0.1:7420';
