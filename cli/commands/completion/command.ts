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
    .option('--json', 'print {shell, script} as JSON', false)
    .addHelpText('after', '\nExit codes: 0 printed, 1 a shell without completion or a usage error.')
    .action(async (shell: string, opts: { json: boolean }) => {
      // Loaded when the command runs: every other command starts without it.
      const { Output } = await import('../../output.js');
      const out = new Output('completion', io, { mode: opts.json ? 'json' : 'text' });
      if (!(SHELLS as readonly string[]).includes(shell)) {
        out.problem(`no completion for \`${shell}\`; choose ${SHELLS.join(', ')}.`);
        if (out.json) out.document({});
        setExit(1);
        return;
      }
      const script = completionScript(program, shell as Shell);
      if (out.json) out.document({ shell, script });
      else io.stdout(script);
      setExit(0);
    });
};
