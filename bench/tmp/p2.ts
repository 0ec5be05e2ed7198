import { parse } from '../../language/parse.js';
import { fastParseFile } from '../../language/fast-parser.js';
import { readFileSync } from 'node:fs';
const t = readFileSync('/tmp/app.sf', 'utf8');
try { fastParseFile(t, 'x', 200); console.log('fast ok'); } catch (e) { console.log('bail', e); }
for (let i = 0; i < 5; i++) { const t0 = performance.now(); parse(t, 'x'); console.log(performance.now() - t0); }
