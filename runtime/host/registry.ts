/**
 * The registry of component types, keyed by `sfClass`: the standard library's names,
 * SmartFrog's identifiers for the same components (docs/design/components.md Appendix A), and user
 * modules written `"./path/module.js#ExportName"`, resolved relative to the plan's source
 * file and loaded with a dynamic import.
 */
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import { Messages, diagnostic } from '../../core/messages/index.js';
import type { DeploymentPlan, PlanNode } from '../../core/plan-types.js';
import { isComponentClass, type Prim } from '../component/component.js';
import { importUserModule } from './user-modules.js';
import { checkAttributes, declaredAttributes } from '../component/attribute-schema.js';
import { closestName } from '../../core/suggest.js';

/** A component class: constructed with no arguments, bound and driven by the host. */
export type ComponentClass = new () => Prim;

export class ComponentRegistry {
  private types = new Map<string, ComponentClass>();
  /** User modules already loaded, by absolute specifier `file#export`. */
  private loaded = new Map<string, ComponentClass>();

  /** SmartFrog identifiers and other aliases → the name a type was registered under. */
  private primary = new Map<string, string>();

  /** Registers a class under a name and any aliases (SmartFrog identifiers). */
  register(name: string, cls: ComponentClass, ...aliases: string[]): this {
    this.types.set(name, cls);
    for (const a of aliases) {
      this.types.set(a, cls);
      this.primary.set(a, name);
    }
    return this;
  }

  /**
   * The name an operator knows a type by: the description name for a SmartFrog identifier
   * (`org.smartfrog.sfcore.workflow.combinators.Sequence` → `Sequence`), the export for a user
   * module (`./components.ts#Greeter` → `Greeter`), else the type as written.
   */
  displayName(type: string): string {
    const known = this.primary.get(type);
    if (known) return known;
    if (ComponentRegistry.isModuleType(type)) {
      const hash = type.lastIndexOf('#');
      return hash >= 0 ? type.slice(hash + 1) : type;
    }
    return type;
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  names(): string[] {
    return [...this.types.keys()];
  }

  /** The names types were registered under, without SmartFrog's identifiers: what a "did you mean" offers. */
  private primaryNames(): string[] {
    return this.names().filter((name) => !this.primary.has(name));
  }

  /** A user module type: `./file.js#Export`, `/abs/file.js#Export`, or `file.js` (default export). */
  static isModuleType(type: string): boolean {
    return type.startsWith('./') || type.startsWith('../') || isAbsolute(type.split('#')[0]) || /\.(m?[jt]s)(#|$)/.test(type);
  }

  /** The class of a type already known or loaded; undefined otherwise. */
  get(type: string, source = ''): ComponentClass | undefined {
    const known = this.types.get(type);
    if (known) return known;
    if (ComponentRegistry.isModuleType(type)) return this.loaded.get(this.moduleKey(type, source));
    return undefined;
  }

  private moduleKey(type: string, source: string): string {
    const [file, exportName = 'default'] = type.split('#');
    const base = source ? dirname(resolvePath(source)) : process.cwd();
    return `${resolvePath(base, file)}#${exportName}`;
  }

  /**
   * Makes every type a description needs available: loads user modules, and returns a
   * diagnostic (SF4001–SF4003, with the component path) for each type it cannot provide,
   * and (unless `attributes: false`) each problem with the attributes of a component whose
   * class declares them. `source` is the file the plan was compiled from.
   */
  async prepare(root: PlanNode, source: string, options: { attributes?: boolean } = {}): Promise<Diagnostic[]> {
    const diagnostics: Diagnostic[] = [];
    // Depth first, children in order, as one loop rather than one async call per node: a plan of
    // 100,000 components is checked without 100,000 promises. Only a type not known yet (a user
    // module to load) is awaited. Bounded: each node is pushed once.
    const stack: PlanNode[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      // A node without a type stands for a part that did not resolve (compiler/plan.ts componentsOf).
      const skip = node.type === '' && options.attributes === false;
      const d = skip || this.types.has(node.type) ? undefined : await this.prepareType(node.type, node.path, source);
      if (d) diagnostics.push(d);
      else if (options.attributes !== false) {
        // A class that declares its attributes gets them checked before anything runs.
        const declared = declaredAttributes(this.get(node.type, source));
        if (declared) diagnostics.push(...checkAttributes(node, declared, this.displayName(node.type)));
      }
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    return diagnostics;
  }

  async preparePlan(plan: DeploymentPlan): Promise<Diagnostic[]> {
    return this.prepare(plan.root, plan.source);
  }

  /** Loads one type if needed; a diagnostic when it cannot be provided. */
  async prepareType(type: string, path: string, source: string): Promise<Diagnostic | undefined> {
    if (this.types.has(type)) return undefined;
    if (!ComponentRegistry.isModuleType(type)) {
      const guess = closestName(type, this.primaryNames());
      return diagnostic(Messages.UnknownComponentType, { type, path }, undefined, { path, ...(guess ? { hint: `Did you mean \`${guess}\`?` } : {}) });
    }
    const key = this.moduleKey(type, source);
    if (this.loaded.has(key)) return undefined;
    const hash = key.lastIndexOf('#');
    const file = key.slice(0, hash);
    const exportName = key.slice(hash + 1);
    let mod: Record<string, unknown>;
    try {
      mod = await importUserModule(file);
    } catch (e) {
      // The first line, and the lines after it when it only announces them ("Transform failed with 1 error:").
      const lines = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).filter(Boolean);
      const text = lines[0]?.endsWith(':') ? lines.slice(0, 3).join(' ') : (lines[0] ?? '');
      const reason = text.replace(/ imported from \S+/, '').replace(/\?frog-component\b/g, '').replace(/[.:]$/, '');
      return diagnostic(Messages.ComponentModuleLoad, { module: type, path, reason }, undefined, { path });
    }
    const cls = mod[exportName];
    if (!isComponentClass(cls)) {
      const guess = closestName(exportName, Object.keys(mod).filter((name) => isComponentClass(mod[name])));
      return diagnostic(Messages.ComponentModuleExport, { module: type, export: exportName, path }, undefined, { path, ...(guess ? { hint: `Did you mean \`${guess}\`?` } : {}) });
    }
    this.loaded.set(key, cls as ComponentClass);
    return undefined;
  }
}
