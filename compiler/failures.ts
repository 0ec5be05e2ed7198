/** Words for lookup failures, shared by the phases' messages. */
import type { LookupFailure } from './lookup.js';
import { kindOf } from '../core/values.js';

export function describeFailure(f: LookupFailure): string {
  switch (f.kind) {
    case 'notFound':
      return `Reference not found: \`${f.name}\` in \`${f.stoppedAt}\``;
    case 'throughValue':
      return `referencing through an object which is not a SmartFrog Component (\`${f.stoppedAt}\` is ${kindOf(f.found)})`;
    case 'parentOfRoot':
      return 'Reference not found: `PARENT` of the root';
    case 'unsupported':
      return `\`${f.part}\` cannot be resolved while compiling`;
  }
}
