/**
 * Every way an input can be rejected. One code per kind of defect, so that a caller (and the
 * native engine) can tell them apart without parsing messages.
 */
export type ElfErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'BAD_CLASS'
  | 'BAD_BYTE_ORDER'
  | 'BAD_VERSION'
  | 'UNSUPPORTED_MACHINE'
  | 'NOT_PIE'
  | 'BAD_ENTRY_SIZE'
  | 'BAD_TABLE_SIZE'
  | 'OUT_OF_BOUNDS'
  | 'BAD_SEGMENT'
  | 'NO_DYNAMIC'
  | 'UNTERMINATED_DYNAMIC'
  | 'UNMAPPED_ADDRESS'
  | 'WRITE_OUTSIDE_SEGMENTS'
  | 'IMAGE_TOO_LARGE'
  | 'BAD_DUMP'
  /** A load base a command was given: not page-aligned for the architecture, or the image would leave the address space. */
  | 'BAD_BASE'
  /** pack/unpack: no free dynamic entries for the new tags, or no place fits a table. */
  | 'NO_ROOM'
  /** pack: a RELA addend would have to be stored in a word past p_filesz. */
  | 'ADDEND_IN_NOBITS'
  /** pack/unpack: a relative relocation writes into a segment without PF_W. */
  | 'TEXT_RELOCATIONS'
  /** pack/unpack: the tables cannot be converted as asked (another table format, a word two entries write). */
  | 'TABLE_CONFLICT';

export class ElfError extends Error {
  override readonly name = 'ElfError';

  constructor(
    readonly code: ElfErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}
