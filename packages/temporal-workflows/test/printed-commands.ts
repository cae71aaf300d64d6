/**
 * The commands we print (`temporal …`, joined with `&&`), run as printed with the real Temporal CLI: how
 * the search-attribute tests check that the commands in errors and the README work.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTemporalCli } from '@cube-jobs/testing';
import { expect, inject } from 'vitest';

const execFileAsync = promisify(execFile);

/**
 * Splits a command line into the argv of each command, as `sh` would: words split at unquoted blanks,
 * single and double quotes and backslashes removed, commands separated by unquoted `&&`. Any other
 * shell syntax (pipes, expansions, redirections, globs, comments) is refused rather than misread.
 */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const endWord = (): void => {
    if (word !== undefined) commands[commands.length - 1]!.push(word);
    word = undefined;
  };
  const refuse = (what: string): never => {
    throw new Error(`Unsupported shell syntax (${what}) in: ${line}`);
  };
  let i = 0;
  while (i < line.length) {
    const char = line[i]!;
    if (char === ' ' || char === '\t') {
      endWord();
      i += 1;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) refuse('unterminated single quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      let text = '';
      for (i += 1; ; i += 1) {
        if (i >= line.length) refuse('unterminated double quote');
        const inner = line[i]!;
        if (inner === '"') break;
        if (inner === '$' || inner === '`') refuse(`${inner} inside double quotes`);
        if (inner === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
          i += 1;
          text += line[i];
        } else {
          text += inner;
        }
      }
      word = (word ?? '') + text;
      i += 1;
    } else if (char === '\\') {
      if (i + 1 >= line.length) refuse('trailing backslash');
      word = (word ?? '') + line[i + 1];
      i += 2;
    } else if (line.startsWith('&&', i)) {
      endWord();
      if (commands[commands.length - 1]!.length === 0) refuse('&& without a command before it');
      commands.push([]);
      i += 2;
    } else if (/[|;&<>()$`*?[\]{}~#\n]/.test(char)) {
      refuse(JSON.stringify(char));
    } else {
      word = (word ?? '') + char;
      i += 1;
    }
  }
  endWord();
  if (commands[commands.length - 1]!.length === 0) refuse('no command');
  return commands;
}

/** The Temporal CLI the dev servers run from (the one the global setup resolved). */
async function temporalCliPath(): Promise<string> {
  const executable = inject('temporalExecutable');
  if (executable.type === 'existing-path') return executable.path;
  const cli = await resolveTemporalCli({ build: false });
  if (!cli) throw new Error('These tests run the Temporal CLI as users do; none was found (set TEMPORAL_CLI_PATH)');
  return cli.path;
}

/**
 * Runs one printed command line (`temporal …`, possibly several joined with `&&`) against the server at
 * `address`: each command as its argv says, with the resolved CLI for `temporal` and `--address` added
 * (the printed commands assume localhost:7233). Rejects with the CLI's output when one exits non-zero.
 */
export async function runPrinted(line: string, address: string): Promise<string> {
  const cli = await temporalCliPath();
  // The CLI reads TEMPORAL_* variables (address, namespace, TLS): none of the caller's may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  let output = '';
  for (const [program, ...args] of shellCommands(line)) {
    expect(program, line).toBe('temporal');
    if (!args.some((arg) => arg === '--address' || arg.startsWith('--address='))) args.push('--address', address);
    const { stdout, stderr } = await execFileAsync(cli, args, { env, timeout: 30_000 });
    output += stdout + stderr;
  }
  return output;
}
