/**
 * Which attributes a checkpoint keeps (docs/design/recovery.md §1, §2), as pure functions for whoever
 * builds records (the component host), so that the rule lives in one place:
 *
 * - an attribute tagged `sfVolatile` is never stored;
 * - an attribute tagged `sfCached` is stored once, with the value it had when the component
 *   was first checkpointed, and never updated after (a replace is skipped);
 * - the runtime's own bookkeeping (host, process, timestamps, trace flags, liveness
 *   settings) is volatile without a tag: after recovery it is set afresh or reset to the
 *   description's value.
 */
import type { EncodedValue } from '../../../core/plan-types.js';
import type { StoredDescription } from './record.js';

export const VOLATILE_TAG = 'sfVolatile';
export const CACHED_TAG = 'sfCached';

/**
 * Volatile without a tag (docs/design/recovery.md §1 "built-in volatile list"): where the component runs,
 * when it was parsed, deployed and started, lifecycle tracing, and its liveness settings.
 */
export const BUILT_IN_VOLATILE: ReadonlySet<string> = new Set([
  'sfHost',
  'sfProcess',
  'sfRootLocatorPort',
  'sfAppLogName',
  'sfBootDate',
  'sfParseTime',
  'sfDeployTime',
  'sfStartTime',
  'sfStartedAtTime',
  'sfTraceDeployLifeCycle',
  'sfTraceStartLifeCycle',
  'sfTraceTerminateLifeCycle',
  'sfLivenessDelay',
  'sfLivenessFactor',
]);

export type Attributes = [string, EncodedValue][];
export type AttributeTags = Record<string, string[]> | undefined;

export function isVolatile(name: string, tags: AttributeTags): boolean {
  return BUILT_IN_VOLATILE.has(name) || (tags?.[name]?.includes(VOLATILE_TAG) ?? false);
}

export function isCached(name: string, tags: AttributeTags): boolean {
  return tags?.[name]?.includes(CACHED_TAG) ?? false;
}

/**
 * The attributes (and their tags) to put in a component's record.
 *
 * @param live the component's attributes now, in order
 * @param tags the tags of those attributes
 * @param previous the attributes of the component's last stored record, or undefined when
 *   the component has none yet (first checkpoint): a cached attribute keeps its stored value
 */
export function checkpointAttributes(
  live: Attributes,
  tags: AttributeTags,
  previous?: Attributes,
): { attributes: Attributes; tags?: Record<string, string[]> } {
  const attributes: Attributes = [];
  if (!tags) {
    // No tags (most components): only the built-in volatile list applies.
    for (const pair of live) if (!BUILT_IN_VOLATILE.has(pair[0])) attributes.push([pair[0], pair[1]]);
    return { attributes };
  }
  let stored: Map<string, EncodedValue> | undefined;
  const keptTags: Record<string, string[]> = {};
  for (const [name, value] of live) {
    if (isVolatile(name, tags)) continue;
    let cachedValue = value;
    if (previous && isCached(name, tags)) {
      stored ??= new Map(previous);
      if (stored.has(name)) cachedValue = stored.get(name)!;
    }
    attributes.push([name, cachedValue]);
    const t = tags[name];
    if (t && t.length > 0) keptTags[name] = [...t];
  }
  return Object.keys(keptTags).length > 0 ? { attributes, tags: keptTags } : { attributes };
}

/**
 * The attributes a recovered component starts with: the checkpointed values (not the
 * description's), plus the description's volatile attributes, which were never stored and
 * so are reset. An attribute of the description that is neither stored nor volatile was
 * removed at run time and stays removed. Description attributes come first in description
 * order, then the ones added at run time in their stored order.
 */
export function restoredAttributes(description: StoredDescription, stored: Attributes, storedTags?: AttributeTags): Attributes {
  const storedMap = new Map(stored);
  const result: Attributes = [];
  const seen = new Set<string>();
  for (const [name, value] of description.attributes) {
    if (storedMap.has(name)) result.push([name, storedMap.get(name)!]);
    else if (isVolatile(name, description.tags) || isVolatile(name, storedTags)) result.push([name, value]);
    else continue;
    seen.add(name);
  }
  for (const [name, value] of stored) if (!seen.has(name)) result.push([name, value]);
  return result;
}
