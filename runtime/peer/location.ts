/**
 * Where a component is published: its application and complete path. A part placed here by
 * another peer runs as the application `<app>@<path>#<instance>@<parentPeer>` (placement.ts);
 * its components are published under the real application, at their paths in it.
 */
import type { Prim } from '../component/component.js';
import type { ComponentHost } from '../host/host.js';
import { parseSubtreeAppName } from './placement.js';

export interface PublicLocation {
  app: string;
  path: string;
  /** On the root of a part: its instance. */
  instance?: string;
  /** On the other components of a part: its instance. */
  within?: string;
}

/** The application and complete path of a component (a subtree's paths are those of its application). */
export function publicLocation(host: ComponentHost, c: Prim): PublicLocation | undefined {
  const root = c.root();
  const internal = host.applicationOf(root);
  if (!internal) return undefined;
  const sub = parseSubtreeAppName(internal);
  if (!sub) return { app: internal, path: c.path };
  const path = sub.path + c.path.slice(root.path.length);
  return c === root ? { app: sub.app, path, instance: sub.instance } : { app: sub.app, path, within: sub.instance };
}
