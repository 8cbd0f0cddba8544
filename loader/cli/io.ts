import { readElfFile, type ElfFile } from '../../elf/index.js';
import { ENGINES, type Engine } from '../engine.js';
import { usageError } from './errors.js';

export interface Output {
  write(text: string | Uint8Array): void;
}

/** A file that cannot be read is invalid input; run.ts reports the system error in one line. */
export async function loadElf(path: string): Promise<ElfFile> {
  return readElfFile(path);
}

export function parseAddress(text: string, option: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw usageError(`${option} takes an address such as 0x7f0000000000, not '${text}'`);
  return BigInt(text);
}

export function parseEngine(text: string | undefined): Engine {
  const engine = ENGINES.find((candidate) => candidate === (text ?? 'ts'));
  if (engine === undefined) throw usageError(`--engine takes ${ENGINES.join(' or ')}, not '${text}'`);
  return engine;
}
