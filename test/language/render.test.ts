/** The diagnostic renderer: exact text, relative paths, tabs, colour only when asked. */
import test from 'ava';
import { parse } from '../../language/parse.js';
import { renderDiagnostic, renderDiagnostics } from '../../core/render.js';
import { SourceFile } from '../../core/source.js';
import type { Diagnostic } from '../../core/diagnostics.js';

test('an error with a code frame and a hint, path relative to cwd', (t) => {
  const r = parse('sfConfig extends { bad (1 + 2 * 3); }\n', '/work/demo/input.sf');
  const text = renderDiagnostics(r.diagnostics, () => r.source, { cwd: '/work' });
  t.is(
    text,
    [
      'demo/input.sf:1:31 - error SF1008: Operators `+` and `*` are mixed without parentheses.',
      '',
      '1 | sfConfig extends { bad (1 + 2 * 3); }',
      '  |                               ^',
      'hint: Operators have no precedence: nest them, as in `(a + (b * c))`.',
      '',
    ].join('\n'),
  );
});

test('carets span the token, keep tabs, and stop at the end of the first line', (t) => {
  const source = new SourceFile('t.sf', 'a 1;\n\tb "x" ##one\ntwo#;\n');
  const start = source.text.indexOf('##');
  const d: Diagnostic = { code: 'SF1005', severity: 'error', message: 'Something.', span: source.span(start, start + 10) };
  t.is(
    renderDiagnostic(d, () => source),
    ['t.sf:2:8 - error SF1005: Something.', '', '2 | \tb "x" ##one', '  | \t      ^^^^^', ''].join('\n'),
  );
});

test('related locations, data path, no span, unknown source', (t) => {
  const source = new SourceFile('/p/lib.sf', 'x 1;\ny 2;\n');
  const d: Diagnostic = {
    code: 'SF2104',
    severity: 'error',
    message: 'Attribute `y` is final.',
    path: 'sfConfig:a',
    related: [{ message: 'first defined here', span: source.span(5, 6) }, { message: 'no place' }],
  };
  t.is(
    renderDiagnostic(d, (f) => (f === '/p/lib.sf' ? source : undefined), { cwd: '/p' }),
    [
      'error SF2104: Attribute `y` is final.',
      'path: sfConfig:a',
      'related: lib.sf:2:1 - first defined here',
      'related: no place',
      '',
    ].join('\n'),
  );
  const elsewhere: Diagnostic = { code: 'SF1001', severity: 'error', message: 'M.', span: { file: 'gone.sf', start: 3, end: 4 } };
  t.is(renderDiagnostic(elsewhere, () => undefined), 'gone.sf - error SF1001: M.\n');
});

test('colour only when asked, and then ANSI codes', (t) => {
  const r = parse('a ?', 'c.sf');
  t.false(renderDiagnostics(r.diagnostics, () => r.source).includes('\x1b['));
  t.true(renderDiagnostics(r.diagnostics, () => r.source, { color: true }).includes('\x1b[31m'));
});
