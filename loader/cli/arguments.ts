import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ENGINES, type Engine } from '../engines/index.js';
import { usageError } from './exit-codes.js';

/** Where a command writes its report: the process's stdout, or a buffer in tests. */
export interface Output {
  write(text: string | Uint8Array): void;
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
