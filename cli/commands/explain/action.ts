/** `frog explain`: the story of one attribute's value (compiler/explain.ts, docs/design/language.md §17). */
import { resolve as resolvePath } from 'node:path';
import { explainFile, explanationJson, renderExplanation } from '../../../compiler/explain.js';
import { Output } from '../../output.js';
import type { Io } from '../../io.js';

export interface ExplainCommandOptions {
  file: string;
  /** The attribute: `web:port`, `sfConfig:web:port` or `ROOT:Base:port`. */
  path: string;
  includePath: string[];
  json: boolean;
}

/**
 * Exit 0 with the explanation on stdout; 1 when the file has errors or the path names no
 * attribute. With `json`, the explanation and its `diagnostics` as one document; on failure
 * `{"diagnostics": [...]}`.
 */
export async function explainCommand(o: ExplainCommandOptions, io: Io): Promise<number> {
  const abs = (p: string): string => resolvePath(io.cwd, p);
  const out = new Output('explain', io, { mode: o.json ? 'json' : 'text' });
  const result = explainFile(abs(o.file), o.path, { includePath: o.includePath.map(abs), env: io.env });
  if (out.diagnose(result.diagnostics, result.sources) || !result.explanation) {
    if (o.json) out.document({});
    return 1;
  }
  if (o.json) out.document(explanationJson(result.explanation, result.sources, io.cwd));
  else io.stdout(renderExplanation(result.explanation, result.sources, { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR }));
  return 0;
}
