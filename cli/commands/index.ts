/**
 * Every command of `frog`, in help order. Each lives in a folder of its own: command.ts declares
 * its options and loads action.ts, which does the work, only when the command runs.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { register as parse } from './parse/command.js';
import { register as resolve } from './resolve/command.js';
import { register as fmt } from './fmt/command.js';
import { register as explain } from './explain/command.js';
import { register as run } from './run/command.js';
import { register as peer } from './peer/command.js';
import { register as key } from './key/command.js';
import { register as deploy } from './deploy/command.js';
import { register as status } from './status/command.js';
import { register as monitor } from './monitor/command.js';
import { register as completion } from './completion/command.js';

export type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

export const commands: Register[] = [parse, resolve, explain, fmt, run, peer, deploy, status, monitor, key, completion];
