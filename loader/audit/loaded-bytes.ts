import type { ElfFile, ProgramHeader } from '../../elf/index.js';

/**
 * Memory as a relocator finds it before writing anything: each PT_LOAD's file bytes at its
 * p_vaddr, zeros from p_filesz up to p_memsz, nothing elsewhere. Addresses are link-time ones.
 * Nothing here throws on a malformed file: what cannot be read is reported as unmapped.
 */
export class LoadedBytes {
  private readonly loads: readonly ProgramHeader[];
  /** The loads sorted by address when none overlap, for a binary search; undefined when some do. */
  private readonly sorted: readonly ProgramHeader[] | undefined;

  constructor(private readonly elf: ElfFile) {
    this.loads = elf.addressMap.loads.filter((load) => load.memsz > 0n);
    const sorted = [...this.loads].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
    const disjoint = sorted.every(
      (load, i) => i === 0 || (sorted[i - 1] as ProgramHeader).vaddr + (sorted[i - 1] as ProgramHeader).memsz <= load.vaddr,
    );
    this.sorted = disjoint ? sorted : undefined;
  }

  /** The PT_LOAD holding `vaddr`, the first one when several overlap (as piekit's address map picks). */
  loadOf(vaddr: bigint): ProgramHeader | undefined {
    const sorted = this.sorted;
    if (sorted === undefined) return this.loads.find((load) => vaddr >= load.vaddr && vaddr - load.vaddr < load.memsz);
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] as ProgramHeader).vaddr <= vaddr) low = middle + 1;
      else high = middle;
    }
    const load = sorted[low - 1];
    return load !== undefined && vaddr - load.vaddr < load.memsz ? load : undefined;
  }

  /** How many bytes from `vaddr` on are mapped without a gap: up to the end of its PT_LOAD. */
  mappedFrom(vaddr: bigint): bigint {
    const load = this.loadOf(vaddr);
    return load === undefined ? 0n : load.vaddr + load.memsz - vaddr;
  }

  /**
   * `size` bytes at `vaddr`, or fewer when the mapping ends first (or the file is shorter than a
   * segment claims): the caller learns how much was readable from the length.
   */
  read(vaddr: bigint, size: bigint): Uint8Array {
    const load = this.loadOf(vaddr);
    if (load === undefined || size <= 0n) return new Uint8Array(0);
    const within = vaddr - load.vaddr;
    const wanted = size < load.memsz - within ? size : load.memsz - within;
    // Bounded by the caller's tables and by p_memsz; no relocator's table is near 2^31 bytes.
    const length = Number(wanted < 0x7fffffffn ? wanted : 0x7fffffffn);
    const fileLength = BigInt(this.elf.bytes.length);
    const fileBacked = load.filesz > within ? load.filesz - within : 0n;
    const fromFile = Number(BigInt(length) < fileBacked ? BigInt(length) : fileBacked);
    const start = load.offset + within;
    if (fromFile > 0 && start + BigInt(fromFile) > fileLength) return new Uint8Array(0);
    if (fromFile === length) {
      const at = this.elf.reader.range(start, length, `PT_LOAD ${load.index} bytes`);
      return this.elf.bytes.subarray(at, at + length);
    }
    const bytes = new Uint8Array(length);
    if (fromFile > 0) {
      const at = this.elf.reader.range(start, fromFile, `PT_LOAD ${load.index} bytes`);
      bytes.set(this.elf.bytes.subarray(at, at + fromFile));
    }
    return bytes;
  }
}
