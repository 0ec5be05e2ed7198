/**
 * `npm run bench -- <name> [args...]`: runs bench/<name>.ts, which exports `main(args)`.
 * Benchmarks print figures; they are not tests.
 */
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  process.stderr.write('usage: npm run bench -- <name> [args...]   (a file bench/<name>.ts)\n');
  process.exit(2);
}
let mod: { main?: (args: string[]) => unknown };
try {
  mod = (await import(`./${name}.ts`)) as typeof mod;
} catch (e) {
  process.stderr.write(`bench: cannot load bench/${name}.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
if (typeof mod.main !== 'function') {
  process.stderr.write(`bench: bench/${name}.ts exports no main(args)\n`);
  process.exit(2);
}
await mod.main(args);
