/**
 * The resolver: parsed files → the resolved `sfConfig` (docs/design/language.md §1, §7). The phases run
 * in the order of the file's `phaseList` (default type, place, function, sfConfig, link);
 * each runs over the whole working tree, and resolution stops after a phase that reported
 * errors, with every error of that phase collected.
 */
import { resolve as resolvePath } from 'node:path';
import { DiagnosticBag, type Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import type { SourceFile, Span } from '../core/source.js';
import { TreeBuilder, UniqueNames, collectNames } from './build.js';
import { finalise } from './finalise.js';
import { functionPhase } from './function-phase.js';
import { IncludeLoader, includesOf, type LoadedFile } from './includes.js';
import { LinkPhase, isLazyValue, type LinkOptions } from './link-phase.js';
import { placePhase } from './place-phase.js';
import { TypePhase } from './type-phase.js';
import { Description, Ref, kindOf, type Value } from '../core/values.js';
import { article } from './type-phase.js';
import type { Trace } from './trace.js';
import { Budget, LimitReached, type ResolveLimits } from './limits.js';

export interface ResolveOptions extends LinkOptions, ResolveLimits {
  /** `-I` roots, searched in order before the standard library. */
  includePath?: string[];
  /** The file's text, when it is not to be read from disk. */
  text?: string;
  /** When given, receives the milliseconds spent in each stage (for benchmarks). */
  timings?: Record<string, number>;
  /**
   * When given, records the provenance of every value for `frog explain` (compiler/explain.ts,
   * docs/design/language.md §17). A resolution without it pays one null check per phase hook.
   */
  trace?: Trace;
}

export interface ResolveResult {
  /** The resolved `sfConfig` (or the root, for a phase list without `sfConfig`); absent on errors. */
  description?: Description;
  diagnostics: Diagnostic[];
  /** Every file read, for rendering diagnostics. */
  sources: Map<string, SourceFile>;
  /**
   * On errors, the selected `sfConfig` as far as it resolved (not finalised; descriptions
   * whose prototypes failed are marked broken): for the checks that do not depend on what
   * failed, such as the component types, so that one run reports every independent mistake.
   */
  partial?: Description;
}

export const DEFAULT_PHASES = ['type', 'place', 'function', 'sfConfig', 'link'];

export function resolveFile(path: string, options: ResolveOptions = {}): ResolveResult {
  const bag = new DiagnosticBag();
  const includePath = (options.includePath ?? []).map((p) => resolvePath(p));
  const loader = new IncludeLoader(includePath, bag);
  const budget = new Budget(options);
  const file = resolvePath(path);
  let partial: Description | undefined;
  const done = (description?: Description): ResolveResult => ({
    description: bag.hasErrors ? undefined : description,
    diagnostics: bag.items,
    sources: loader.sources,
    ...(bag.hasErrors && partial ? { partial } : {}),
  });

  const timings = options.timings;
  // Only when asked: the first use of `performance` loads node:perf_hooks, which a command need not.
  let last = timings ? performance.now() : 0;
  const lap = (stage: string): void => {
    if (!timings) return;
    const now = performance.now();
    timings[stage] = (timings[stage] ?? 0) + now - last;
    last = now;
  };
  // The loader reports a file that cannot be read, with the reason; parsing never throws.
  let root = loader.loadRoot(file, options.text, path);
  if (!root) return done();
  if (!root.ok) {
    // Report what is wrong with the includes too: a broken include is often why the file does not parse.
    for (const inc of includesOf(root.ast.members)) loader.load(inc, [root.path]);
    return done();
  }

  if (options.trace) options.trace.sources = loader.sources;
  const { tree, placements, file: rootFile } = build(root, loader, bag, budget, lap);
  root = undefined;
  if (bag.hasErrors) return done();

  const phases = phaseList(tree, bag);
  if (!phases) return done();

  try {
    return done(runPhases(tree, phases, rootFile, bag, options, budget, lap, placements > 0, (cd) => (partial = cd)));
  } catch (e) {
    // A limit of §7.9 reached: its diagnostic says where, and resolution stops.
    if (e instanceof LimitReached) {
      bag.add(e.diagnostic);
      return done();
    }
    // The limits keep the phases' recursion bounded; a stack overflow (a limit raised past
    // what the stack holds) is still reported, never a crash.
    if (!(e instanceof RangeError)) throw e;
    bag.add(diagnostic(Messages.TooDeep, {}, (e as RangeError & { span?: Span }).span ?? { file: rootFile.path, start: 0, end: 0 }));
    return done();
  }
}

/** The root file as the phases need it: its path, and whether it is empty. */
interface RootFile {
  path: string;
  ast: { span: { end: number } };
}

/**
 * Builds the tree from the parsed files. The syntax trees are not kept past it (the loader
 * forgets them, and they are referenced only from this frame): resolution does not read them,
 * and for a large file they are as large as the resolved tree (docs/design/language.md §18).
 */
function build(
  root: LoadedFile,
  loader: IncludeLoader,
  bag: DiagnosticBag,
  budget: Budget,
  lap: (stage: string) => void,
): { tree: Description; placements: number; file: RootFile } {
  const files = loader.reachable(root);
  budget.scaleTo([...loader.sources.values()].reduce((n, f) => n + f.text.length, 0));
  lap('parse');
  const unique = new UniqueNames(collectNames(files.map((f) => f.ast)));
  const builder = new TreeBuilder({ unique, includes: loader, diagnostics: bag });
  const tree = builder.buildFile(root.ast);
  lap('build');
  loader.forgetSyntaxTrees();
  return { tree, placements: builder.placements, file: { path: root.path, ast: { span: { end: root.ast.span.end } } } };
}

function runPhases(
  tree: Description,
  phases: string[],
  root: { path: string; ast: { span: { end: number } } },
  bag: DiagnosticBag,
  options: ResolveOptions,
  budget: Budget,
  lap: (stage: string) => void,
  hasPlacements = true,
  selected: (cd: Description) => void = () => {},
): Description | undefined {
  let working: Description = tree;
  const errors = (): number => bag.items.filter((d) => d.severity === 'error').length;
  let typeErrors = errors();
  // One link resolver for the whole run: the sfConfig phase may already resolve links (§7.5).
  let linking: LinkPhase | undefined;
  const trace = options.trace;
  for (const phase of phases) {
    // What linking replaces, kept for `frog explain` (§17) before the first phase that links.
    if (trace && (phase === 'sfConfig' || phase === 'link')) trace.linking(tree);
    switch (phase) {
      case 'type':
        new TypePhase(bag, (kind, name) => (kind === 'ENVPROPERTY' ? (options.env ?? process.env)[name] : options.properties?.[name]), budget, trace).run(working);
        break;
      case 'place':
        // Placements are written in the source (`a:b value`); with none, the phase has nothing to do.
        if (hasPlacements) placePhase(working, bag, trace);
        break;
      case 'function':
        functionPhase(working, bag);
        break;
      case 'sfConfig': {
        const config = selectSfConfig(working, root, bag, (linking ??= new LinkPhase(bag, options, budget)));
        if (config) {
          working = config;
          selected(config);
        }
        break;
      }
      case 'link':
        (linking ??= new LinkPhase(bag, options, budget)).run(working);
        break;
      case 'print':
        break;
      default:
        userPhase(working, phase, bag);
    }
    lap(phase);
    // Type errors leave the descriptions they concern marked incomplete and the rest of the
    // tree sound: the later phases still run, to report the independent mistakes too.
    if (phase === 'type') typeErrors = errors();
    else if (errors() > typeErrors) return undefined;
  }
  if (bag.hasErrors) return undefined;
  if (trace) trace.resolved(tree, working);
  const result = finalise(working, budget);
  lap('finalise');
  return result;
}

/**
 * The `sfConfig` phase (docs/design/language.md §7.5): the top-level `sfConfig` is the working
 * tree from now on. An eager link there is followed: the working tree is the description it
 * names, itself (not a copy), so that its links resolve where it is defined. A LAZY link
 * cannot be followed now (SF2403); any other value that is not a description is SF2402.
 */
function selectSfConfig(
  top: Description,
  root: { path: string; ast: { span: { end: number } } },
  bag: DiagnosticBag,
  linking: LinkPhase,
): Description | undefined {
  const attr = top.attrs.get('sfConfig');
  if (!attr) {
    bag.add(diagnostic(Messages.NoSfConfig, {}, root.ast.span.end > 0 ? { file: root.path, start: 0, end: 0 } : undefined));
    return undefined;
  }
  let value: Value | undefined = attr.value;
  if (value instanceof Ref && !value.data && !value.lazy) {
    value = linking.follow(top, 'sfConfig');
    // The link failed, and the failure is reported.
    if (value === undefined) return undefined;
  }
  if (value instanceof Description) return value;
  if (isLazyValue(value)) {
    bag.add(diagnostic(Messages.SfConfigLazyLink, { ref: value instanceof Ref ? value.toString() : '(function)' }, attr.span));
  } else {
    bag.add(diagnostic(Messages.SfConfigNotDescription, { found: article(kindOf(value)) }, attr.span));
  }
  return undefined;
}

function phaseList(root: Description, bag: DiagnosticBag): string[] | undefined {
  const attr = root.attrs.get('phaseList');
  if (!attr) return DEFAULT_PHASES;
  root.attrs.delete('phaseList');
  const v = attr.value;
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) {
    bag.add(diagnostic(Messages.BadPhaseList, {}, attr.span));
    return undefined;
  }
  return v as string[];
}

/** A phase with no built-in actions: every `phase.<name>` attribute names an action we do not have. */
function userPhase(root: Description, phase: string, bag: DiagnosticBag): void {
  const key = `phase.${phase}`;
  const seen = new Set<Description>();
  const visit = (cd: Description): void => {
    if (seen.has(cd)) return;
    seen.add(cd);
    for (const attr of cd.attrs.values()) if (attr.value instanceof Description) visit(attr.value);
    const action = cd.attrs.get(key);
    if (action) bag.add(diagnostic(Messages.UnknownPhaseAction, { action: String(action.value), phase, path: cd.path() }, action.span));
  };
  visit(root);
}
