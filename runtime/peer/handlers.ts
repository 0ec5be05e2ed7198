/** The peer's control handlers: one per operation of the protocol (docs/design/control.md §6, §7). */
import type { Handlers } from '../control/protocol.js';
import type { Applications } from './applications.js';
import type { Parts } from './parts.js';
import type { PeerPlacement } from './placement-service.js';
import type { Resume } from './resume.js';
import type { Status } from './status.js';

export interface HandlerParts {
  applications: Applications;
  status: Status;
  parts: Parts;
  placement: PeerPlacement;
  resume: Resume;
}

export function peerHandlers(p: HandlerParts): Handlers {
  return {
    deploy: (r) => p.applications.deploy(r),
    status: (r) => p.status.status(r),
    terminate: (r) => p.applications.terminate(r),
    members: () => p.status.members(),
    query: (r) => p.status.query(r),
    'deploy-subtree': (r) => p.parts.deploy(r),
    'ping-subtree': (r) => p.parts.ping(r),
    'terminate-subtree': (r) => p.parts.terminate(r),
    'subtree-ended': (r) => p.placement.ended(r),
    'subtree-status': (r) => p.placement.verdict(r, p.resume.recovering),
    'application-claim': (r) => p.applications.claim(r),
  };
}
