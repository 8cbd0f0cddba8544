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

  /** Whether [vaddr, end) lies inside the PT_LOAD holding `vaddr`, when no PT_LOADs overlap (false when some do). */
  within(vaddr: bigint, end: bigint): boolean {
    if (this.sorted === undefined) return false;
    const load = this.loadOf(vaddr);
    return load !== undefined && end <= load.vaddr + load.memsz;
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
    return this.elf.addressMap.memoryBytes(vaddr, size);
  }
}
