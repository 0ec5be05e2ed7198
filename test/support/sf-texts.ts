/**
 * Generated `.sf` text of a given size, and the same data as JSON: the parse bench times one
 * against the other, and the fast-parser test checks both parser paths agree on it.
 */
import { seededRandom } from '../../runtime/group/memory-network.js';

/** The generated data, written out twice: as `.sf` and as JSON. */
type Node =
  | { t: 'int'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'ref'; v: string[] }
  | { t: 'vec'; v: Node[] }
  | { t: 'cd'; proto?: string; v: [string, Node][] };

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'port', 'host', 'name', 'timeout', 'retries', 'path', 'user', 'mode'];

function generate(targetBytes: number): Node {
  const rand = seededRandom(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  let approx = 0;
  const leaf = (): Node => {
    const r = rand();
    if (r < 0.3) return { t: 'int', v: Math.floor(rand() * 100000) - 500 };
    if (r < 0.55) return { t: 'str', v: `${pick(WORDS)} ${pick(WORDS)} "quoted" value ${Math.floor(rand() * 1000)}` };
    if (r < 0.65) return { t: 'bool', v: rand() < 0.5 };
    if (r < 0.85) return { t: 'ref', v: rand() < 0.5 ? ['PARENT', pick(WORDS)] : ['ROOT', 'svc0', 'level0', pick(WORDS)] };
    return { t: 'vec', v: [leaf0(), leaf0(), leaf0(), leaf0()] };
  };
  const leaf0 = (): Node => (rand() < 0.5 ? { t: 'int', v: Math.floor(rand() * 1000) } : { t: 'str', v: pick(WORDS) });
  const cd = (depth: number): Node => {
    const attrs: [string, Node][] = [];
    const n = 4 + Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) {
      attrs.push([`${pick(WORDS)}${i}`, leaf()]);
      approx += 54;
    }
    if (depth < 7) attrs.push([`level${depth}`, cd(depth + 1)]);
    if (depth < 3 && rand() < 0.5) attrs.push([`side${depth}`, cd(depth + 2)]);
    return { t: 'cd', proto: depth % 3 === 0 ? 'Base' : undefined, v: attrs };
  };
  const top: [string, Node][] = [['Base', { t: 'cd', v: [['kind', { t: 'str', v: 'base' }]] }]];
  for (let i = 0; approx < targetBytes; i++) top.push([`svc${i}`, cd(0)]);
  return { t: 'cd', v: top };
}

function sfString(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

function toSf(node: Node, indent: string, out: string[]): void {
  switch (node.t) {
    case 'int':
      out.push(String(node.v));
      return;
    case 'str':
      out.push(sfString(node.v));
      return;
    case 'bool':
      out.push(String(node.v));
      return;
    case 'ref':
      out.push(node.v.join(':'));
      return;
    case 'vec':
      out.push('[| ');
      node.v.forEach((x, i) => {
        if (i) out.push(', ');
        toSf(x, indent, out);
      });
      out.push(' |]');
      return;
    case 'cd': {
      out.push(node.proto ? `extends ${node.proto} {\n` : 'extends {\n');
      const inner = indent + '    ';
      for (const [k, v] of node.v) {
        out.push(inner, k, ' ');
        toSf(v, inner, out);
        out.push(';\n');
      }
      out.push(indent, '}');
    }
  }
}

function toJson(node: Node): unknown {
  switch (node.t) {
    case 'int':
    case 'str':
    case 'bool':
      return node.v;
    case 'ref':
      return { $ref: node.v.join(':') };
    case 'vec':
      return node.v.map(toJson);
    case 'cd': {
      const o: Record<string, unknown> = {};
      if (node.proto) o.$extends = node.proto;
      for (const [k, v] of node.v) o[k] = toJson(v);
      return o;
    }
  }
}

/** The same generated data as `.sf` text and as JSON text. */
export function benchTexts(sizeMb: number): { sfText: string; jsonText: string } {
  const data = generate(sizeMb * 1_000_000);
  const sfParts: string[] = [];
  for (const [k, v] of (data as { v: [string, Node][] }).v) {
    sfParts.push(k, ' ');
    toSf(v, '', sfParts);
    sfParts.push(';\n');
  }
  const sfText = sfParts.join('');
  const jsonText = JSON.stringify(toJson(data), null, 2);
  return { sfText, jsonText };
}
