import { parseArgs } from 'node:util';

/** How a flag is parsed. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Shown in --help. */
  description: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** Default shown in --help and applied when absent. */
  default?: string | boolean;
  /** Placeholder for the value in --help, e.g. DIR. */
  value?: string;
}

/** Parsed flag values. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One `tmu` subcommand. Commands are thin: they parse flags and call the layers below. */
export interface Command {
  name: string;
  summary: string;
  /** Extra usage text after the flag list (examples). */
  details?: string;
  flags: Record<string, FlagSpec>;
  run(flags: FlagValues, positionals: string[]): Promise<number>;
}

/** A mistake in the command line: reported with the usage hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags every command takes. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: {
    type: 'boolean',
    description: 'print machine-readable JSON on stdout (progress becomes JSON lines on stderr)',
  },
  help: { type: 'boolean', description: 'show this help' },
};

/** Parses argv for a command, rejecting unknown flags with the list of valid ones. */
export function parseFlags(command: Command, argv: string[]): { flags: FlagValues; positionals: string[] } {
  const specs = { ...command.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs))
    options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) };
  try {
    // parseArgs refuses a value that starts with a dash ("argument is ambiguous"), so `--lr -1` would be
    // reported as a parsing problem instead of a bad value: negative numbers are attached as `--lr=-1`.
    const args: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const next = argv[i + 1];
      if (
        arg.startsWith('--') &&
        specs[arg.slice(2)]?.type === 'string' &&
        next !== undefined &&
        /^-(\d|\.\d)/.test(next)
      ) {
        args.push(`${arg}=${next}`);
        i++;
      } else {
        args.push(arg);
      }
    }
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    const flags: FlagValues = { ...values };
    for (const [name, spec] of Object.entries(specs))
      if (flags[name] === undefined && spec.default !== undefined) flags[name] = spec.default;
    return { flags, positionals };
  } catch (error) {
    const message = (error instanceof Error ? error.message.split('\n')[0]! : String(error)).replace(
      /\. To specify a positional.*/,
      '',
    );
    throw new UsageError(
      `${message} (valid flags: ${Object.keys(specs)
        .map((f) => `--${f}`)
        .join(', ')})`,
    );
  }
}

/** The --help text of a command. */
export function helpText(command: Command): string {
  const specs = { ...command.flags, ...COMMON_FLAGS };
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `  --${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    return `${left.padEnd(30)} ${spec.description}${def}${spec.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `tmu ${command.name}: ${command.summary}`,
    '',
    'Flags:',
    ...rows,
    ...(command.details ? ['', command.details] : []),
  ].join('\n');
}

/** A required string flag. */
export function requireString(flags: FlagValues, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** An optional string flag. */
export function optionalString(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** A range for a message: `[0, 1]`, `(0, 10]` (a minimum of Number.MIN_VALUE means positive), `>= 0`. */
function rangeText(min: number, max: number): string {
  const unbounded = (bound: number): boolean => !Number.isFinite(bound) || Math.abs(bound) >= Number.MAX_SAFE_INTEGER;
  const low = min === Number.MIN_VALUE ? '(0' : `[${min}`;
  if (unbounded(max)) return unbounded(min) ? 'any value' : min === Number.MIN_VALUE ? '> 0' : `>= ${min}`;
  if (unbounded(min)) return `<= ${max}`;
  return `${low}, ${max}]`;
}

/** An integer flag within [min, max]. */
export function intFlag(
  flags: FlagValues,
  name: string,
  fallback: number,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be an integer ${rangeText(min, max).replace(/^(?=[[(])/, 'in ')}, got '${String(raw)}'`,
    );
  }
  return value;
}

/** A number flag within [min, max]. */
export function numberFlag(flags: FlagValues, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a number ${rangeText(min, max).replace(/^(?=[[(])/, 'in ')}, got '${String(raw)}'`,
    );
  }
  return value;
}

/** One of a fixed set of values. */
export function choiceFlag<T extends string>(flags: FlagValues, name: string, choices: readonly T[], fallback: T): T {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`);
  }
  return raw as T;
}

/** Prints a result: JSON on stdout with --json, else the human text. */
export function printResult(flags: FlagValues, result: unknown, human: string): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${human}\n`);
}
