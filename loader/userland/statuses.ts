import { hex } from '../../elf/index.js';
import { PiekitError } from '../errors.js';

/**
 * The userland loader's exit statuses: each failure class has its own. Declared here only,
 * written into native/loader/status.h by `npm run headers`.
 */
export const LOADER_STATUS = {
  usage: 100,
  cannotRead: 101,
  /** Or its program headers lie outside it. */
  notElf: 102,
  /** ET_EXEC, or PT_INTERP names a dynamic linker. */
  notPie: 103,
  /** Another class, byte order or machine than the loader's. */
  wrongMachine: 104,
  badSegments: 105,
  /** Or the program would wrap around the address space. */
  badBase: 106,
  baseTaken: 107,
  noMemory: 108,
} as const;

const LOADER_STATUSES: ReadonlySet<number> = new Set(Object.values(LOADER_STATUS));

/**
 * A base the loader found taken, asked for explicitly: something is mapped there (under qemu-user,
 * possibly the emulator itself), and the loader never runs the program elsewhere.
 */
export function baseTakenError(base: bigint, emulator: string | undefined): PiekitError {
  const under = emulator === undefined ? '' : ` under ${emulator}`;
  return new PiekitError('UNVERIFIABLE', `base ${hex(base)} is taken${under} (the loader exited with ${LOADER_STATUS.baseTaken}): choose another`);
}

/** Whether an exit status is one of the loader's own: it refused the file or the base before the program ran. */
export function isLoaderStatus(status: number): boolean {
  return LOADER_STATUSES.has(status);
}
