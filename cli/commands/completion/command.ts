/**
 * `frog completion bash|zsh|fish`: a completion script for the shell, generated from the commands
 * and options registered with commander at the moment it runs, so it lists exactly what `frog`
 * accepts and cannot drift from it. Install: `frog completion bash > /etc/bash_completion.d/frog`,
 * `frog completion zsh > "${fpath[1]}/_frog"`, `frog completion fish > ~/.config/fish/completions/frog.fish`.
 */
import type { Command } from 'commander';
import type { Io } from '../../io.js';
import type { Register } from '../index.js';
import { completionScript, SHELLS, type Shell } from './scripts.js';

export const register: Register = (program: Command, io: Io, setExit) => {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', `the shell: ${SHELLS.join(', ')}`)
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        io.stderr(`frog completion: no completion for \`${shell}\`; choose ${SHELLS.join(', ')}.\n`);
        setExit(1);
        return;
      }
      io.stdout(completionScript(program, shell as Shell));
      setExit(0);
    });
};
