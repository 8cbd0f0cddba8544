import { type ElfFile, hostArch } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { onPath } from '../toolchain/requirements.js';

/**
 * The command prefix that runs a file of this architecture here: nothing on the host's own
 * architecture, else the matching qemu-user; undefined when no emulator exists for it.
 */
export function emulatorFor(elf: ElfFile): string[] | undefined {
  if (hostArch()?.name === elf.arch.name) return [];
  const emulator = elf.arch.emulator;
  if (emulator === undefined) return undefined;
  return [emulator.byMachine?.[elf.header.machine] ?? emulator.command];
}

/** The qemu-user command for a file, run under its gdbstub even on the host; fails naming what is missing. */
export async function requireEmulator(elf: ElfFile): Promise<string> {
  const emulator = elf.arch.emulator;
  if (emulator === undefined) throw new PiekitError('ENVIRONMENT', `qemu-user 7.2 has no emulator for ${elf.arch.name}`);
  const command = emulator.byMachine?.[elf.header.machine] ?? emulator.command;
  if (!(await onPath(command))) throw new PiekitError('ENVIRONMENT', `${command} is not installed (Debian package ${emulator.package})`);
  return command;
}
