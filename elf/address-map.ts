import { PT_LOAD } from './constants.js';
import { type Diagnostics, stopAtFirstError } from './diagnostics.js';
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
   * The file offset of `size` bytes (at least one) at `vaddr`, which must lie in the file-backed
   * part of one PT_LOAD. `what` names the field the address came from, for the error.
   */
  fileOffset(vaddr: bigint, size: bigint, what: string): number {
    const bytes = this.bytesAt(vaddr, size, what, stopAtFirstError);
    return bytes.byteOffset - this.reader.bytes.byteOffset;
  }

  /**
   * The `size` bytes at `vaddr`: a view of the file's own bytes when they are all file-backed in one
   * PT_LOAD, and none for a size of 0 wherever `vaddr` points. When they are not, the problem goes
   * to `diagnostics` (the error `fileOffset` throws) and, under a collecting policy, the caller goes
   * on with what memory holds there (`memoryBytes`).
   */
  bytesAt(vaddr: bigint, size: bigint, what: string, diagnostics: Diagnostics): Uint8Array {
    // No byte is read of an empty table, wherever its address points (one past a segment's end,
    // say): glibc, musl and piekit's stub loop over no entry.
    if (size === 0n) return new Uint8Array(0);
    const load = this.segmentOf(vaddr);
    if (load === undefined) {
      diagnostics.report(new ElfError('UNMAPPED_ADDRESS', `Invalid ELF ${what}: address ${hex(vaddr)} is outside every PT_LOAD segment`));
      return new Uint8Array(0);
    }
    const within = vaddr - load.vaddr;
    if (within + size > load.filesz) {
      diagnostics.report(
        new ElfError(
          'UNMAPPED_ADDRESS',
          `Invalid ELF ${what}: ${size} bytes at ${hex(vaddr)} are not all file-backed in PT_LOAD ${load.index} ` +
            `(p_vaddr = ${hex(load.vaddr)}, p_filesz = ${hex(load.filesz)})`,
        ),
      );
      return this.memoryBytes(vaddr, size);
    }
    try {
      const at = this.reader.range(load.offset + within, size, `${what} (file offset of ${hex(vaddr)})`);
      return this.reader.bytes.subarray(at, at + Number(size));
    } catch (error) {
      if (!(error instanceof ElfError)) throw error;
      diagnostics.report(error);
      return new Uint8Array(0);
    }
  }

  /**
   * Memory as a relocator finds it before writing anything: `size` bytes at `vaddr`, the PT_LOAD's
   * file bytes then zeros from p_filesz up to p_memsz, fewer when the segment ends first, none
   * outside every PT_LOAD or when the file is shorter than the segment claims. A view of the file
   * when all are file-backed, else a copy. Never throws: the caller learns from the length.
   */
  memoryBytes(vaddr: bigint, size: bigint): Uint8Array {
    const load = this.segmentOf(vaddr);
    if (load === undefined || size <= 0n) return new Uint8Array(0);
    const within = vaddr - load.vaddr;
    const wanted = size < load.memsz - within ? size : load.memsz - within;
    // Bounded by the caller's tables and by p_memsz; no relocator's table is near 2^31 bytes.
    const length = Number(wanted < 0x7fffffffn ? wanted : 0x7fffffffn);
    const fileBacked = load.filesz > within ? load.filesz - within : 0n;
    const fromFile = Number(BigInt(length) < fileBacked ? BigInt(length) : fileBacked);
    const start = load.offset + within;
    if (fromFile > 0 && start + BigInt(fromFile) > BigInt(this.reader.length)) return new Uint8Array(0);
    if (fromFile === length) {
      const at = this.reader.range(start, length, `PT_LOAD ${load.index} bytes`);
      return this.reader.bytes.subarray(at, at + length);
    }
    const bytes = new Uint8Array(length);
    if (fromFile > 0) {
      const at = this.reader.range(start, fromFile, `PT_LOAD ${load.index} bytes`);
      bytes.set(this.reader.bytes.subarray(at, at + fromFile));
    }
    return bytes;
  }
}
