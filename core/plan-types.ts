/**
 * The deployment plan: what the compiler hands to the runtime (docs/design/pipeline.md).
 * Values are encoded as in the canonical JSON, in JSON and in msgpack alike.
 */

/**
 * A value in the canonical encoding:
 * - Integer → number; Long → {$long: "123"}; Float → {$float: n}; Double → {$double: n}
 *   (NaN and infinities as the strings "NaN", "Infinity", "-Infinity");
 * - String, Boolean as themselves; NULL → null; vector → array; bytes → {$bytes: base64};
 * - a description → {$cd: [[name, value], ...], eager?: false, tags?: {name: [tags]}};
 * - a reference kept for run time → {$ref: "PARENT:x", lazy?: true, data?: true, optional?: true, default?: v};
 * - a lazy function → {$apply: {$cd...}, lazy: true}; a lazy assertion → {$assert: {$cd...}, lazy: true}.
 */
export type EncodedValue =
  | number
  | string
  | boolean
  | null
  | EncodedValue[]
  | { $long: string }
  | { $float: number | string }
  | { $double: number | string }
  | { $bytes: string }
  | EncodedDescription
  | EncodedReference
  | { $apply: EncodedDescription; lazy?: boolean; data?: boolean }
  | { $assert: EncodedDescription; lazy?: boolean; data?: boolean };

export interface EncodedDescription {
  $cd: [string, EncodedValue][];
  eager?: false;
  tags?: Record<string, string[]>;
}

export interface EncodedReference {
  $ref: string;
  lazy?: boolean;
  data?: boolean;
  optional?: boolean;
  default?: EncodedValue;
}

export const PLAN_FORMAT = 1;

export interface PlanNode {
  /** The attribute name of this component in its parent (`sfConfig` for the root). */
  name: string;
  /** The path from the root, `sfConfig:a:b`. */
  path: string;
  /** The component type: the value of `sfClass`. */
  type: string;
  /** The peer the component runs on (`sfProcessHost`), or "" for wherever its parent is. */
  host: string;
  /** Every attribute but the eager child descriptions, in order, with its tags when it has any. */
  attributes: [string, EncodedValue][];
  /** Tags of attributes that have them. */
  tags?: Record<string, string[]>;
  /** Names of the attributes whose values are left for run time (LAZY references, lazy functions and assertions). */
  lazy: string[];
  /** The eager component descriptions among the attributes, in attribute order. */
  children: PlanNode[];
}

export interface DeploymentPlan {
  format: typeof PLAN_FORMAT;
  /** SHA-256 (hex) of the canonical msgpack encoding of the plan without its id. */
  id: string;
  /** The name of the application (defaults to the source file's base name). */
  name: string;
  /** The file the plan was compiled from, for messages and for resolving user modules. */
  source: string;
  root: PlanNode;
}
