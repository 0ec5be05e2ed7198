/**
 * Datagrams that nothing writes to once they are made: the memory network's copies
 * (memory-network.ts), which it hands to every receiver of one send. A receive-side memo (the group
 * key's verification, the heartbeat decoder) may recognise such a datagram by identity, one pointer
 * comparison, instead of comparing its bytes; any other datagram is compared by content, so a buffer
 * written after it was checked can never pass as checked. The simulation of 1,000 peers delivers a
 * million datagrams per interval, each one of a thousand copies of one send.
 */
const immutable = new WeakSet<Uint8Array>();

/** Marks `d`, which its maker promises never to write again, and returns it. */
export function markImmutable<T extends Uint8Array>(d: T): T {
  immutable.add(d);
  return d;
}

export function isImmutable(d: Uint8Array): boolean {
  return immutable.has(d);
}
