/**
 * Conversions between plan nodes and descriptions at run time: a Prim walks into a child
 * description by reference (node → Description), and a workflow deploys an attribute that
 * holds a LAZY description (Description → node).
 */
import type { EncodedValue, PlanNode } from '../../core/plan-types.js';
import { Applied, Description, Ref } from '../../core/values.js';
import { Messages } from '../../core/messages/index.js';
import { decodeValue, encodeValue } from '../../core/canonical.js';
import { ComponentError } from './lifecycle.js';

/** A plan node as a description value: its attributes, then its child descriptions. */
export function nodeToDescription(node: PlanNode): Description {
  const d = new Description();
  for (const [name, value] of node.attributes) {
    const tags = node.tags?.[name];
    d.set(name, decodeValue(value), tags ? new Set(tags) : undefined);
  }
  for (const child of node.children) d.set(child.name, nodeToDescription(child));
  return d;
}

/**
 * A description as a deployable node: eager sub-descriptions become children, everything
 * else (LAZY/DATA descriptions included) stays an attribute. The description must name its
 * `sfClass`. `path` is the path the component will have.
 */
export function descriptionToNode(name: string, path: string, d: Description, parentPath = ''): PlanNode {
  const sfClass = d.get('sfClass');
  if (typeof sfClass !== 'string') {
    throw new ComponentError(Messages.NoComponentClass, { path }, parentPath || path);
  }
  const node: PlanNode = { name, path, type: sfClass, host: '', attributes: [], lazy: [], children: [] };
  for (const [attr, { value, tags }] of d.attrs) {
    if (value instanceof Description && value.eager) {
      node.children.push(descriptionToNode(attr, `${path}:${attr}`, value, path));
      continue;
    }
    const encoded: EncodedValue = encodeValue(value);
    node.attributes.push([attr, encoded]);
    if (tags?.size) (node.tags ??= {})[attr] = [...tags].sort();
    if ((value instanceof Ref && value.lazy) || (value instanceof Applied && value.lazy)) node.lazy.push(attr);
    if (attr === 'sfProcessHost' && typeof value === 'string') node.host = value;
  }
  return node;
}
