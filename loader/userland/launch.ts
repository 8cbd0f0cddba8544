import { constants } from 'node:os';
import { execa } from 'execa';
import { type ElfFile, hex } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { emulatorFor } from './emulator.js';
import { loaderFor } from './loader-binary.js';

/** The command that runs FILE through the loader here: [emulator...] loader --base BASE -- FILE ARGS. */
export async function loaderCommand(elf: ElfFile, file: string, base: bigint | 'random', args: readonly string[]): Promise<string[]> {
  const prefix = emulatorFor(elf);
  if (prefix === undefined) throw new PiekitError('ENVIRONMENT', `qemu-user 7.2 has no emulator for ${elf.arch.name}: its programs cannot run here`);
  const loader = await loaderFor(elf.arch.name);
  return [...prefix, loader, '--base', base === 'random' ? 'random' : hex(base), '--', file, ...args];
}

/** Runs FILE through the loader with stdio passed through; the exit status as a shell reports it. */
export async function runThroughLoader(elf: ElfFile, file: string, base: bigint | 'random', args: readonly string[]): Promise<number> {
  const [command, ...rest] = await loaderCommand(elf, file, base, args);
  const result = await execa(command as string, rest, { stdio: 'inherit', reject: false });
  if (result.exitCode !== undefined) return result.exitCode;
  const signal = result.signal === undefined ? undefined : constants.signals[result.signal as keyof typeof constants.signals];
  return 128 + (signal ?? 0);
}
