/**
 * The formatter (language/format.ts, docs/design/language.md §16) and `frog fmt`. For every
 * conformance input, library file and example: formatting never changes what the file
 * resolves to (or the error codes it gives), formatting twice changes nothing more, and every
 * comment survives.
 */
import test from 'ava';
import { readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, formatSource } from '../../language/format.js';
import { parse } from '../../language/parse.js';
import { hasErrors } from '../../core/diagnostics.js';
import { resolveFile } from '../../compiler/resolve.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { memoryIo } from '../../cli/io.js';
import { fmtCommand } from '../../cli/commands/fmt/action.js';
import { scratchDir } from '../support/scratch.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sfFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sfFiles(p, out);
    else if (name.endsWith('.sf')) out.push(p);
  }
  return out;
}

/**
 * The comments of a file, found independently of the formatter: strings, multi-line strings
 * and byte arrays are skipped, so a `//` inside them is not taken for a comment.
 */
function comments(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('//', i)) {
      let end = i;
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
      out.push(text.slice(i, end).trimEnd());
      i = end;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2) + 2;
      out.push(text.slice(i, end));
      i = end;
    } else if (text[i] === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (text.startsWith('##', i)) {
      for (i += 2; i < text.length && text[i] !== '#'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (/^#(HEX|DEC|OCT|BIN|B64)#/.test(text.slice(i, i + 5))) {
      i = text.indexOf('#', i + 5) + 1;
    } else {
      i++;
    }
  }
  return out;
}

/** What a file resolves to: its canonical JSON, or its error codes. */
function outcome(file: string, text: string): string {
  const r = resolveFile(file, { text });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
  return errors.length || !r.description ? `errors ${errors.join(' ')}` : toCanonicalJson(r.description);
}

const conformanceInputs = sfFiles(join(repo, 'test', 'conformance')).filter((f) => f.endsWith('input.sf'));
const otherFiles = [
  ...sfFiles(join(repo, 'test', 'conformance')).filter((f) => !f.endsWith('input.sf')),
  ...sfFiles(join(repo, 'library')),
  ...sfFiles(join(repo, 'examples')),
];

test('formatting a conformance input never changes its result, is idempotent and keeps every comment', (t) => {
  let formatted = 0;
  for (const file of conformanceInputs) {
    const name = relative(repo, file);
    const text = readFileSync(file, 'utf8');
    const parsed = parse(text, file);
    const r = formatSource(text, file);
    if (hasErrors(parsed.diagnostics)) {
      t.is(r.text, undefined, `${name}: a file with syntax errors is not formatted`);
      t.deepEqual(r.diagnostics.map((d) => d.code), parsed.diagnostics.map((d) => d.code), name);
      continue;
    }
    formatted++;
    const once = r.text!;
    t.is(outcome(file, once), outcome(file, text), `${name}: same result`);
    t.is(format(once, file), once, `${name}: idempotent`);
    t.deepEqual(comments(once), comments(text), `${name}: comments kept`);
  }
  t.true(formatted > 150, `${formatted} inputs formatted`);
});

test('formatting library files, examples and included files is idempotent, keeps comments and parses the same', (t) => {
  for (const file of otherFiles) {
    const name = relative(repo, file);
    const text = readFileSync(file, 'utf8');
    const r = formatSource(text, file);
    if (r.text === undefined) continue;
    t.is(format(r.text, file), r.text, `${name}: idempotent`);
    t.deepEqual(comments(r.text), comments(text), `${name}: comments kept`);
    t.true(r.text.endsWith('\n') || r.text === '', name);
  }
  for (const file of sfFiles(join(repo, 'examples'))) {
    const text = readFileSync(file, 'utf8');
    t.is(outcome(file, format(text, file)), outcome(file, text), relative(repo, file));
  }
});

const MESSY = `// A messy file
#include   "/frog/components.sf"


/* block
   comment */
sfConfig   extends Sequence{
  who "world" ;   // trailing   
      [sfFinal,   tag2]   greet extends Echo
      {
        message ( "Hello, " ++ LAZY ATTRIB who ++ "!" );
        list [1,2,
              3];
        lit [|"a" , "b"|];
        empty extends {}
        o LAZY OPTIONAL ( 3 ) x : y;
      }



  bye extends Echo { message "bye"; x 1 y 2 }
  sw SWITCH {k 1;}
     IF k THEN "one"
     IF (! k) THEN "none"
  ENDSWITCH;
  a /* inline */ 1;
  // before the end

}
// at the end
`;

const TIDY = `// A messy file
#include "/frog/components.sf"

/* block
   comment */
sfConfig extends Sequence {
    who "world"; // trailing
    [sfFinal, tag2] greet extends Echo {
        message ("Hello, " ++ LAZY ATTRIB who ++ "!");
        list [ 1, 2,
            3 ];
        lit [| "a", "b" |];
        empty extends { }
        o LAZY OPTIONAL(3) x:y;
    }

    bye extends Echo {
        message "bye";
        x 1
        y 2
    }
    sw SWITCH {
        k 1;
    }
        IF k THEN "one"
        IF (! k) THEN "none"
    ENDSWITCH;
    a /* inline */ 1;
    // before the end
}
// at the end
`;

test('the layout: four spaces a level, one member a line, normal spacing, blank lines collapsed', (t) => {
  t.is(format(MESSY), TIDY);
  t.is(format(TIDY), TIDY);
});

test('comments in awkward places stay where they were', (t) => {
  const text = 'a /* x */ 1; // one\nb // two\n  2;\nc extends { /* empty */ }\nd extends { // opens\n}\ne [ 1, // first\n  2 ];\n/* last */';
  const out = format(text);
  t.is(out, 'a /* x */ 1; // one\nb // two\n    2;\nc extends { /* empty */\n}\nd extends { // opens\n}\ne [ 1, // first\n    2 ];\n/* last */\n');
  t.is(format(out), out);
  t.is(format(''), '');
  t.is(format('// only a comment'), '// only a comment\n');
  t.is(format('\r\n\r\na 1;\r\n\r\n\r\nb 2;\r\n'), 'a 1;\n\nb 2;\n');
  t.is(format('extends { a 1; }'), 'extends {\n    a 1;\n}\n');
});

test('a file with a syntax error is not formatted', (t) => {
  const r = formatSource('a (1 + ;\n', 'bad.sf');
  t.is(r.text, undefined);
  t.true(hasErrors(r.diagnostics));
});

// --- frog fmt -----------------------------------------------------------------------------

function folder(files: Record<string, string>): string {
  const dir = scratchDir('frog-fmt-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('frog fmt --check lists the files that would change and exits 1; it writes nothing', async (t) => {
  const dir = folder({ 'messy.sf': MESSY, 'tidy.sf': TIDY });
  const io = memoryIo(dir);
  t.is(await fmtCommand({ files: ['messy.sf', 'tidy.sf'], check: true }, io), 1);
  t.deepEqual(io.out, ['messy.sf\n']);
  t.is(readFileSync(join(dir, 'messy.sf'), 'utf8'), MESSY);
  const tidy = memoryIo(dir);
  t.is(await fmtCommand({ files: ['tidy.sf'], check: true }, tidy), 0);
  t.deepEqual(tidy.out, []);
});

test('frog fmt rewrites the files that change, keeps their mode, prints their names and leaves no temporary file', async (t) => {
  const dir = folder({ 'messy.sf': MESSY, 'tidy.sf': TIDY });
  chmodSync(join(dir, 'messy.sf'), 0o640);
  const before = statSync(join(dir, 'tidy.sf')).mtimeMs;
  const io = memoryIo(dir);
  t.is(await fmtCommand({ files: ['messy.sf', 'tidy.sf'], check: false }, io), 0);
  t.deepEqual(io.out, ['messy.sf\n']);
  t.is(readFileSync(join(dir, 'messy.sf'), 'utf8'), TIDY);
  t.is(statSync(join(dir, 'messy.sf')).mode & 0o777, 0o640);
  t.is(statSync(join(dir, 'tidy.sf')).mtimeMs, before, 'an unchanged file is not written');
  t.deepEqual(readdirSync(dir).sort(), ['messy.sf', 'tidy.sf']);
});

test('frog fmt leaves a file with a syntax error alone, prints its diagnostics and exits 1', async (t) => {
  const bad = 'sfConfig extends {\n   a (1 + ;\n}\n';
  const dir = folder({ 'bad.sf': bad, 'messy.sf': MESSY });
  const io = memoryIo(dir);
  t.is(await fmtCommand({ files: ['bad.sf', 'messy.sf', 'missing.sf'], check: false }, io), 1);
  t.is(readFileSync(join(dir, 'bad.sf'), 'utf8'), bad);
  t.regex(io.err.join(''), /bad\.sf:2:\d+ - error SF1005/);
  t.regex(io.err.join(''), /cannot read missing\.sf: no such file/);
  t.deepEqual(io.out, ['messy.sf\n'], 'the other files are still formatted');
});

test('vectors and tags: spaces inside vectors, none inside tag lists or an empty vector', (t) => {
  t.is(format('[ a,b ] x [1,2]; [] y [ ]; z [||]; w [|1|];'), '[a, b] x [ 1, 2 ];\n[] y [];\nz [| |];\nw [| 1 |];\n');
});
