import { PT_LOAD } from './constants.js';
import { ElfError, hex } from './errors.js';
import type { ProgramHeader } from './program-headers.js';
import type { ElfReader } from './reader.js';

/**
 * Link-time addresses to file offsets through the PT_LOAD segments: the way the startup code
 * reaches its tables at `base + vaddr`, rather than through section headers it may not have.
 */
export class AddressMap {
  readonly loads: readonly ProgramHeader[];

  constructor(
    private readonly reader: ElfReader,
    programHeaders: readonly ProgramHeader[],
  ) {
    this.loads = programHeaders.filter((header) => header.type === PT_LOAD);
  }

  segmentOf(vaddr: bigint): ProgramHeader | undefined {
    return this.loads.find((load) => vaddr >= load.vaddr && vaddr - load.vaddr < load.memsz);
  }

  /**
   * The file offset of `size` bytes at `vaddr`, which must lie in the file-backed part of one
   * PT_LOAD. `what` names the field the address came from, for the error.
   */
  fileOffset(vaddr: bigint, size: bigint, what: string): number {
    const load = this.segmentOf(vaddr);
    if (load === undefined) {
      throw new ElfError('UNMAPPED_ADDRESS', `Invalid ELF ${what}: address ${hex(vaddr)} is outside every PT_LOAD segment`);
    }
    const within = vaddr - load.vaddr;
    if (within + size > load.filesz) {
      throw new ElfError(
        'UNMAPPED_ADDRESS',
        `Invalid ELF ${what}: ${size} bytes at ${hex(vaddr)} are not all file-backed in PT_LOAD ${load.index} ` +
          `(p_vaddr = ${hex(load.vaddr)}, p_filesz = ${hex(load.filesz)})`,
      );
    }
    return this.reader.range(load.offset + within, size, `${what} (file offset of ${hex(vaddr)})`);
  }
}
