import type { Command } from './command.js';
import { helpText, parseFlags, UsageError } from './command.js';

/** Subcommands, loaded on demand so that `tmu --help` does not load libtorch. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./commands/train.js')).trainCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  split: async () => (await import('./commands/split.js')).splitCommand,
  unlearn: async () => (await import('./commands/unlearn.js')).unlearnCommand,
  prepare: async () => (await import('./commands/prepare.js')).prepareCommand,
  methods: async () => (await import('./commands/methods.js')).methodsCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  info: async () => (await import('./commands/info.js')).infoCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  ledger: async () => (await import('./commands/ledger.js')).ledgerCommand,
};

function mainHelp(): string {
  return [
    'tmu: aligned machine unlearning for trained classifiers (Twin Machine Unlearning on libtorch)',
    '',
    'Usage: tmu <command> [flags]      (tmu <command> --help for its flags)',
    '',
    'Commands:',
    ...Object.keys(COMMANDS).map((name) => `  ${name}`),
  ].join('\n');
}

/**
 * Runs the CLI and returns the exit status: 0 on success, 1 when the command failed (one-line error on
 * stderr), 2 for a usage mistake.
 */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`tmu: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  const command = await load();
  try {
    const { flags, positionals } = parseFlags(command, rest);
    if (flags.help) {
      process.stdout.write(`${helpText(command)}\n`);
      return 0;
    }
    return await command.run(flags, positionals);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`tmu ${name}: ${message.split('\n')[0]}\n`);
    if (process.env.TMU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
