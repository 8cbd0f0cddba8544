import { PF_R, PF_W, PF_X, type ProgramHeader } from '../../elf/index.js';

/** Two PT_LOADs the kernel (or a loader) cannot map side by side as they ask. */
export interface LoadConflict {
  readonly first: ProgramHeader;
  readonly second: ProgramHeader;
  /** Their address ranges overlap; otherwise they only share a page, with different permissions. */
  readonly overlap: boolean;
}

/**
 * Pairs of PT_LOADs that overlap or share a page while asking for different permissions (R, W, X
 * bits of p_flags), the first `limit` of them, found by a sweep over the segments sorted by
 * address: a file with tens of thousands of program headers must not cost a comparison per pair.
 */
/** The permission bits of p_flags; the rest are OS- and processor-specific. */
const PERMISSIONS = PF_R | PF_W | PF_X;

export function loadConflicts(headers: readonly ProgramHeader[], page: bigint, limit: number): LoadConflict[] {
  const loads = headers.filter((header) => header.memsz > 0n).sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : a.index - b.index));
  const conflicts: LoadConflict[] = [];
  // Segments whose last page is at or past the current one's first page: only they can conflict with it.
  let active: ProgramHeader[] = [];
  for (const load of loads) {
    const firstPage = load.vaddr / page;
    active = active.filter((other) => (other.vaddr + other.memsz - 1n) / page >= firstPage);
    for (const other of active) {
      const overlap = load.vaddr < other.vaddr + other.memsz;
      if (overlap || (other.flags & PERMISSIONS) !== (load.flags & PERMISSIONS)) {
        const [first, second] = other.index < load.index ? [other, load] : [load, other];
        conflicts.push({ first, second, overlap });
        if (conflicts.length >= limit) return conflicts;
      }
    }
    active.push(load);
  }
  return conflicts;
}
