/** Every command of `frog`, in help order. Add one line per command module. */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { register as parse } from './parse/action.js';
import { register as resolve } from './resolve/action.js';
import { register as run } from './run/command.js';
import { register as peer } from './peer/command.js';
import { register as key } from './key/action.js';
import { register as deploy } from './deploy/action.js';
import { register as status } from './status/action.js';

export type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

export const commands: Register[] = [parse, resolve, run, peer, deploy, status, key];
