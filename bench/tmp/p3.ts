import { parse } from '../../language/parse.js';
import { readFileSync } from 'node:fs';
const t = readFileSync('/tmp/app.sf', 'utf8');
for (let i = 0; i < 40; i++) { const t0 = performance.now(); parse(t, 'x'); if (i%8==0) console.log(performance.now() - t0); }
