/**
 * The examples of the user's manual run: every ```sf block of docs/*.md (not docs/design/) is
 * resolved as `frog resolve` would, and the ```json block that follows it, if any, must be the
 * plain JSON `frog resolve` prints (compiler/plain-json.ts). test/docs/manual.test.ts checks
 * them all; `npm run docs -- --examples` rewrites the JSON blocks from the resolver's output
 * (review the difference before committing it).
 *
 * An HTML comment on the line just before a block says how to run it (words may be combined):
 *
 *   <!-- fragment -->        the block is the inside of sfConfig: it runs as `sfConfig extends { ... }`
 *   <!-- error SF2501 -->    resolution must fail with this code (any code of the catalogue)
 *   <!-- file PATH -->       the block is the whole content of PATH (from the repository's root),
 *                            and runs from there, so that its relative includes and modules resolve
 *
 * A block with no comment is a whole file, resolved from docs/ (includes relative to it).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveFile } from '../../compiler/index.js';
import { toPlainJson } from '../../compiler/plain-json.js';

export interface Example {
  /** The page, from the repository's root (`docs/language.md`). */
  page: string;
  /** The line of the opening fence (1-based). */
  line: number;
  source: string;
  fragment: boolean;
  /** The code resolution must fail with. */
  error?: string;
  /** The file the block must equal. */
  file?: string;
  /** The JSON block that follows: its text, and the lines of its content (0-based, end excluded). */
  json?: { text: string; from: number; to: number };
}

export interface ExampleResult {
  /** The plain JSON, when the example resolved. */
  json?: string;
  /** The codes of the error diagnostics, when it did not. */
  errors: string[];
  messages: string[];
}

const FENCE = /^```(\w*)\s*$/;
const DIRECTIVE = /^<!--\s*((?:fragment|error\s+SF\d{4}|file\s+\S+)(?:\s+(?:fragment|error\s+SF\d{4}|file\s+\S+))*)\s*-->\s*$/;

/** The pages of the manual: docs/*.md, not the design notes. */
export function manualPages(root: string): string[] {
  return readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
}

/** Every ```sf block of a page, with its directives and the ```json block after it. */
export function examplesOf(page: string, text: string): Example[] {
  const lines = text.split('\n');
  const out: Example[] = [];
  const closing = (from: number): number => {
    for (let j = from; j < lines.length; j++) if (/^```\s*$/.test(lines[j]!)) return j;
    throw new Error(`${page}:${from}: a code block is not closed`);
  };
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const end = closing(i + 1);
    if (open[1] !== 'sf') {
      i = end;
      continue;
    }
    const example: Example = { page, line: i + 1, source: lines.slice(i + 1, end).join('\n') + '\n', fragment: false };
    const directive = i > 0 ? DIRECTIVE.exec(lines[i - 1]!) : null;
    if (directive) {
      const words = directive[1]!.split(/\s+/);
      for (let w = 0; w < words.length; w++) {
        if (words[w] === 'fragment') example.fragment = true;
        else if (words[w] === 'error') example.error = words[++w];
        else if (words[w] === 'file') example.file = words[++w];
      }
    }
    let next = end + 1;
    while (next < lines.length && lines[next]!.trim() === '') next++;
    if (next < lines.length && /^```json\s*$/.test(lines[next]!)) {
      const jsonEnd = closing(next + 1);
      example.json = { text: lines.slice(next + 1, jsonEnd).join('\n') + '\n', from: next + 1, to: jsonEnd };
      i = jsonEnd;
    } else {
      i = end;
    }
    out.push(example);
  }
  return out;
}

/**
 * Every fenced block, in any language, marked `<!-- file PATH -->`: each must be the content of
 * its file (an `.sf` block is also resolved, by `checkExample`).
 */
export function fileBlocks(page: string, text: string): { line: number; file: string; source: string }[] {
  const lines = text.split('\n');
  const out: { line: number; file: string; source: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const file = i > 0 ? /^<!--.*\bfile\s+(\S+).*-->\s*$/.exec(lines[i - 1]!)?.[1] : undefined;
    if (file) out.push({ line: i + 1, file, source: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

/** Resolves an example as `frog resolve` does (with an empty environment, so that results do not depend on it). */
export function runExample(root: string, example: Example): ExampleResult {
  const path = example.file ? join(root, example.file) : join(root, dirname(example.page), `example-${example.line}.sf`);
  const text = example.fragment ? `sfConfig extends {\n${example.source}}\n` : example.source;
  const r = resolveFile(path, { text, env: {} });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  return {
    ...(r.description && errors.length === 0 ? { json: toPlainJson(r.description) } : {}),
    errors: errors.map((d) => d.code),
    messages: errors.map((d) => `${d.code} ${d.message}`),
  };
}

/** Problems of one example: empty when it runs as its page says. */
export function checkExample(root: string, example: Example): string[] {
  const where = `${example.page}:${example.line}`;
  const problems: string[] = [];
  if (example.file) {
    const content = readFileSync(join(root, example.file), 'utf8');
    if (content !== example.source) problems.push(`${where}: the block is not the content of ${example.file}`);
  }
  const result = runExample(root, example);
  if (example.error) {
    if (result.json !== undefined) problems.push(`${where}: expected ${example.error}, but it resolved`);
    else if (!result.errors.includes(example.error)) problems.push(`${where}: expected ${example.error}, got ${result.messages.join('; ')}`);
    if (example.json) problems.push(`${where}: an example that fails has no JSON block`);
    return problems;
  }
  if (result.json === undefined) {
    problems.push(`${where}: it does not resolve: ${result.messages.join('; ')}`);
    return problems;
  }
  if (example.json && example.json.text !== result.json) {
    problems.push(`${where}: the JSON block is not what \`frog resolve\` prints:\n${result.json}`);
  }
  return problems;
}

/** A page with the JSON block of every example that resolves rewritten from the resolver's output. */
export function updateExamples(root: string, page: string, text: string): string {
  const lines = text.split('\n');
  // From the last to the first, so that the line numbers of the earlier ones stay right.
  for (const example of examplesOf(page, text).reverse()) {
    if (!example.json || example.error) continue;
    const { json } = runExample(root, example);
    if (json === undefined) continue;
    lines.splice(example.json.from, example.json.to - example.json.from, ...json.replace(/\n$/, '').split('\n'));
  }
  return lines.join('\n');
}
