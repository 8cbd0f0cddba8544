import { ElfError, type ElfErrorCode } from '../../elf/index.js';

/** Why a conversion is refused, beyond the reader's own codes (elf/errors.ts documents each). */
export type ConvertErrorCode = Extract<ElfErrorCode, 'NO_ROOM' | 'ADDEND_IN_NOBITS' | 'TEXT_RELOCATIONS' | 'TABLE_CONFLICT'>;

/** As ElfError, so that the command line reports it like any invalid input: one line, exit status 2. */
export function refuse(code: ConvertErrorCode, message: string): ElfError {
  return new ElfError(code, message);
}
