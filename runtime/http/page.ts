/**
 * The web view's files (docs/design/control.md §13.1): the page (`web/index.html`), its script
 * and style (`web/*.js`, `web/*.css`), and the ES modules of preact, its hooks and htm, read from
 * the installed packages. No bundler: the page's import map names the modules by their URL.
 *
 * Everything is read once, when the listener starts, into memory (a few tens of KiB): a request
 * never touches the disk, and no path a client sends is ever joined to a directory. The routes
 * are a fixed table; anything else under `/ui/` is 404.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageFile {
  type: string;
  body: Buffer;
  /** A strong validator, so a browser revalidates cheaply. */
  etag: string;
}

export interface PageAssets {
  /** URL path (`/`, `/ui/app.js`, ...) → file. */
  files: Map<string, PageFile>;
  /** The Content-Security-Policy of the page: scripts from here only, plus the import map's hash. */
  csp: string;
}

/** The page's own files: URL path → file under `web/`. */
const OWN: Record<string, string> = {
  '/': 'index.html',
  '/ui/app.js': 'app.js',
  '/ui/model.js': 'model.js',
  '/ui/style.css': 'style.css',
};

/** The modules the page imports by bare name: URL path → package export. */
const VENDOR: Record<string, string> = {
  '/ui/vendor/preact.mjs': 'preact',
  '/ui/vendor/hooks.mjs': 'preact/hooks',
  '/ui/vendor/htm.mjs': 'htm',
};

/** The import map the page carries (relative URLs: the page may be served under a prefix). */
export const IMPORT_MAP = JSON.stringify({
  imports: { preact: './ui/vendor/preact.mjs', 'preact/hooks': './ui/vendor/hooks.mjs', htm: './ui/vendor/htm.mjs' },
});

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The package's `web/` folder: beside the sources (runtime/http/) or the build (dist/runtime/http/). */
export function webDirectory(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'web', 'index.html')) && existsSync(join(dir, 'package.json'))) return join(dir, 'web');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function file(path: string, body: Buffer): PageFile {
  const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? 'html';
  return { type: TYPES[ext] ?? 'application/octet-stream', body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * Reads the page's files. Throws an Error with the reason when one is missing (the listener then
 * serves the API without the page, and answers `/` with SF4340).
 */
export function loadPage(web = webDirectory()): PageAssets {
  if (!web) throw new Error('the `web/` folder of the package is missing');
  const files = new Map<string, PageFile>();
  const require = createRequire(join(web, '..', 'package.json'));
  for (const [url, name] of Object.entries(OWN)) {
    let body = readFileSync(join(web, name));
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replace('{{IMPORT_MAP}}', IMPORT_MAP));
    files.set(url, file(name, body));
  }
  for (const [url, specifier] of Object.entries(VENDOR)) {
    let path: string;
    try {
      path = require.resolve(specifier);
    } catch {
      throw new Error(`the package \`${specifier}\` is not installed`);
    }
    // The ES module build (`.mjs` / `.module.js`), whatever `require` resolved to.
    const esm = [path.replace(/\.js$/, '.mjs'), path.replace(/\.js$/, '.module.js'), path].find((p) => /\.m?js$/.test(p) && existsSync(p) && /\bexport\b/.test(readFileSync(p, 'utf8')));
    if (!esm) throw new Error(`the package \`${specifier}\` has no ES module build`);
    // The source map comment is dropped: the map is not served.
    files.set(url, file(url, Buffer.from(readFileSync(esm, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'))));
  }
  const mapHash = createHash('sha256').update(IMPORT_MAP).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${mapHash}'`,
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { files, csp };
}
