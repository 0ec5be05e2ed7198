#!/usr/bin/env node
// The `frog` command. It runs the TypeScript sources through tsx so that a fresh
// clone works after `npm install` with no build step, and always runs what is checked out.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
