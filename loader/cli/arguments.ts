import { accessSync, constants, type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ENGINES, type Engine } from '../engines/index.js';
import { PiekitError } from '../errors.js';
import { AsciiWriter } from '../model/index.js';
import { usageError } from './exit-codes.js';

/** Where a command writes its report: the process's stdout, or a buffer in tests. */
export interface Output {
  write(text: string | Uint8Array): void;
  /** True when `write` has written the bytes out when it returns, so that the caller may reuse them. */
  readonly synchronous?: boolean;
}

/** A streaming writer into `output`, reusing its chunk when the output has written each one out. */
export function documentWriter(output: Output): AsciiWriter {
  return new AsciiWriter((chunk) => {
    output.write(chunk);
    return output.synchronous === true;
  });
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/** node:util's parseArgs with positionals allowed and everything after `--` kept apart. */
export function parseCommand<T extends Options>(args: readonly string[], options: T): Parsed<T> & { readonly rest: string[] } {
  const dashes = args.indexOf('--');
  const own = dashes < 0 ? args : args.slice(0, dashes);
  const parsed = parseArgs({ args: [...own], options, allowPositionals: true, strict: true });
  return { ...parsed, rest: dashes < 0 ? [] : args.slice(dashes + 1) };
}

/** Exactly one FILE operand. */
export function oneFile(positionals: readonly string[]): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw usageError(file === undefined ? 'FILE is missing' : `one FILE expected, not also '${extra.join(' ')}'`);
  return file;
}

export function parseAddress(text: string, option: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw usageError(`${option} takes an address such as 0x7f0000000000, not '${text}'`);
  return BigInt(text);
}

export function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw usageError(`${option} takes a positive count, not '${text}'`);
  return value;
}

export function parseEngine(text: string | undefined): Engine {
  const engine = ENGINES.find((candidate) => candidate === (text ?? 'ts'));
  if (engine === undefined) throw usageError(`--engine takes ${ENGINES.join(' or ')}, not '${text}'`);
  return engine;
}

/**
 * FILE as a command needs it: an existing regular file, and executable when the command runs it.
 * Refused up front with the path and what is wrong, so that no command meets a directory or a
 * missing file halfway (`read : EISDIR`) or fails to start a program it may not execute.
 */
export function inputFile(path: string, use: 'read' | 'execute' = 'read'): string {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new PiekitError('BAD_PATH', `${path}: ${describeSystemError(error)}`);
  }
  if (stat.isDirectory()) throw new PiekitError('BAD_PATH', `${path}: is a directory, not an ELF file`);
  if (!stat.isFile()) throw new PiekitError('BAD_PATH', `${path}: not a regular file`);
  if (use === 'execute') {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
      throw new PiekitError('BAD_PATH', `${path}: not executable (mode ${mode}): it must run; chmod +x it`);
    }
  }
  return path;
}

/** OUT of a conversion: its directory must exist, or the command would fail after all its work. */
export function outputFile(path: string, option: string): string {
  const directory = dirname(path);
  let stat: Stats;
  try {
    stat = statSync(directory);
  } catch (error) {
    throw new PiekitError('BAD_PATH', `${option} ${path}: its directory ${directory}: ${describeSystemError(error)}`);
  }
  if (!stat.isDirectory()) throw new PiekitError('BAD_PATH', `${option} ${path}: ${directory} is not a directory`);
  return path;
}

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

function describeSystemError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return SYSTEM_ERRORS[code] === undefined ? code || String(error) : `${SYSTEM_ERRORS[code]} (${code})`;
}
