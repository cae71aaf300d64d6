/**
 * The shape of a command and its argument parsing: `node:util`'s `parseArgs`, strict, with `--help`
 * on every command; an unknown or malformed flag is a usage error that prints the command's usage.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT_CODES } from './exit.js';

/** A `cube-jobs` command. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The command's `--help`. */
  readonly usage: string;
  /** Runs the command; resolves with its exit code. */
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Where a command writes. */
export interface CommandIo {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Options every command has. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const;

/** The `parseArgs` configuration of a command with options `T`. */
type CommandArgsConfig<T extends NonNullable<ParseArgsConfig['options']>> = {
  args: string[];
  options: T & typeof COMMON_OPTIONS;
  allowPositionals: boolean;
  strict: true;
};

/** What {@link parseCommandArgs} returns for options `T`. */
export type ParsedCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<CommandArgsConfig<T>>
>;

/** Parses a command's arguments; `undefined` when `--help` was asked (the usage is printed). */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usage: string,
  io: CommandIo,
  allowPositionals = false,
): ParsedCommandArgs<T> | undefined {
  let parsed: ParsedCommandArgs<T>;
  try {
    parsed = parseArgs<CommandArgsConfig<T>>({
      args,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, EXIT_CODES.usage, { cause: error });
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out.write(`${usage}\n`);
    return undefined;
  }
  return parsed;
}

/** Writes a value as one JSON document. */
export function writeJson(io: CommandIo, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}
