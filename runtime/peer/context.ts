/** What the parts of a peer share: peer.ts builds it once and hands it to each. */
import type { Clock } from '../../core/clock.js';
import type { Prim } from '../component/component.js';
import type { GroupMember } from '../group/group-member.js';
import type { ComponentHost } from '../host/host.js';
import type { Checkpointer } from '../persistence/checkpointing.js';
import type { StateAccess } from '../state/state-access.js';
import type { PublicLocation } from './location.js';
import type { PeerLink } from './peer-link.js';
import type { PeerDirectory } from './peer-state.js';

export interface PeerContext {
  readonly name: string;
  readonly member: GroupMember;
  readonly host: ComponentHost;
  readonly state: StateAccess;
  readonly clock: Clock;
  /** Calls to other peers' control APIs. */
  readonly link: PeerLink;
  readonly directory: PeerDirectory;
  readonly checkpointer?: Checkpointer;
  readonly placementTimeoutMs: number;
  /** The control address, once the peer has started. */
  control(): string;
  /** Live components here: the `load` of `peer/<name>`. */
  load(): number;
  /** True once `stop` or `crash` began. */
  stopping(): boolean;
  /** The number of live components changed: `peer/<name>` is updated within a second. */
  loadChanged(): void;
  publicLocation(c: Prim): PublicLocation | undefined;
}
