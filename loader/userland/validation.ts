import { type ElfFile, ET_DYN, hex, PF_X, type ProgramHeader, PT_INTERP, PT_LOAD, PT_PHDR } from '../../elf/index.js';
import { LOADER_STATUS } from './statuses.js';

/**
 * What native/loader/validate.c decides for a file the TypeScript reader has read, in the same
 * words: the loader's exit status and the line it prints after `piekit-loader: `. The reader has
 * already refused what validate.c refuses in e_ident and the header's sizes.
 */
export interface LoaderRefusal {
  readonly status: number;
  readonly line: string;
}

/** The span the loader reserves (link-time, page-aligned) and AT_PHDR's link-time address. */
export interface LoaderImage {
  readonly low: bigint;
  readonly high: bigint;
  readonly phdr: bigint;
}

/** Whether a check's outcome is the loader's refusal. */
export function isRefusal<T>(outcome: T | LoaderRefusal): outcome is LoaderRefusal {
  return typeof outcome === 'object' && outcome !== null && 'line' in outcome && 'status' in outcome;
}

function refused(status: number, header: ProgramHeader | undefined, field: string, value: bigint | number, problem: string): LoaderRefusal {
  const where = header === undefined ? '' : `program header ${header.index}: `;
  return { status, line: `${where}${field} ${hex(value)}${problem}` };
}

/** The loader's checks, in its order: the image it reserves, or its refusal at the first check that fails. */
export function validateForLoader(elf: ElfFile): LoaderImage | LoaderRefusal {
  const page = elf.arch.pageSize;
  const top = elf.reader.wordMask;
  const headers = elf.programHeaders;
  if (elf.header.type !== ET_DYN)
    return refused(LOADER_STATUS.notPie, undefined, 'e_type', elf.header.type, ' is not ET_DYN: not position-independent');
  if (headers.length === 0) return refused(LOADER_STATUS.notElf, undefined, 'e_phnum', 0, ': there are no program headers');
  if (elf.header.phoff % BigInt(elf.reader.wordSize) !== 0n)
    return refused(LOADER_STATUS.notElf, undefined, 'e_phoff', elf.header.phoff, ' is not aligned to a word');

  let low = 0n;
  let end = 0n;
  let loads = 0;
  const size = BigInt(elf.bytes.length);
  for (const ph of headers) {
    if (ph.type === PT_INTERP)
      return refused(LOADER_STATUS.notPie, ph, 'p_type', ph.type, ' is PT_INTERP: it names a dynamic linker, not a static-PIE');
    if (ph.type !== PT_LOAD) continue;
    if (ph.offset > size) return refused(LOADER_STATUS.badSegments, ph, 'p_offset', ph.offset, ' is past the end of the file');
    if (size - ph.offset < ph.filesz) return refused(LOADER_STATUS.badSegments, ph, 'p_filesz', ph.filesz, ' runs past the end of the file');
    if (ph.filesz > ph.memsz) return refused(LOADER_STATUS.badSegments, ph, 'p_filesz', ph.filesz, ' exceeds p_memsz');
    if (((ph.vaddr - ph.offset) & (page - 1n)) !== 0n) {
      return refused(LOADER_STATUS.badSegments, ph, 'p_vaddr', ph.vaddr, ' is not congruent to p_offset modulo the page size');
    }
    if (ph.vaddr + ph.memsz > top) return refused(LOADER_STATUS.badSegments, ph, 'p_memsz', ph.memsz, ' runs past the end of the address space');
    if (loads > 0 && ph.vaddr < end) {
      return refused(LOADER_STATUS.badSegments, ph, 'p_vaddr', ph.vaddr, ' is below the end of the PT_LOAD before it: overlapping PT_LOAD segments');
    }
    if (loads === 0) low = ph.vaddr & ~(page - 1n);
    end = ph.vaddr + ph.memsz;
    if (end > top - (page - 1n)) {
      return refused(LOADER_STATUS.badBase, ph, 'p_memsz', ph.memsz, ' ends in the last page of the address space: the program would wrap around');
    }
    loads++;
  }
  if (loads === 0)
    return refused(LOADER_STATUS.badSegments, undefined, 'e_phnum', headers.length, ': no program header is a PT_LOAD, nothing to map');
  const high = (end + page - 1n) & ~(page - 1n);
  if (high - low > top / 2n) {
    return refused(LOADER_STATUS.badBase, undefined, "the PT_LOADs' span", high - low, ' is more than half the address space: too large to reserve');
  }
  const entry = elf.header.entry;
  if (!headers.some((ph) => ph.type === PT_LOAD && (ph.flags & PF_X) !== 0 && entry >= ph.vaddr && entry - ph.vaddr < ph.memsz)) {
    return refused(LOADER_STATUS.badSegments, undefined, 'e_entry', entry, ' is outside every executable PT_LOAD');
  }
  const phdr = programHeadersAt(elf);
  return isRefusal(phdr) ? phdr : { low, high, phdr };
}

/** AT_PHDR: PT_PHDR's address, else that of the PT_LOAD bytes holding e_phoff; they must be file bytes. */
function programHeadersAt(elf: ElfFile): bigint | LoaderRefusal {
  const headers = elf.programHeaders;
  const length = BigInt(headers.length * elf.header.phentsize);
  const fileBytesHold = (ph: ProgramHeader, address: bigint): boolean =>
    ph.type === PT_LOAD && address >= ph.vaddr && address - ph.vaddr <= ph.filesz && ph.filesz - (address - ph.vaddr) >= length;
  const phoff = elf.header.phoff;
  const declared = headers.find((ph) => ph.type === PT_PHDR);
  const holder = declared ?? headers.find((ph) => ph.type === PT_LOAD && phoff >= ph.offset && fileBytesHold(ph, ph.vaddr + (phoff - ph.offset)));
  if (holder === undefined)
    return refused(LOADER_STATUS.badSegments, undefined, 'e_phoff', phoff, ': no PT_PHDR, and no PT_LOAD loads the program headers');
  const phdr = declared === undefined ? holder.vaddr + (phoff - holder.offset) : declared.vaddr;
  if (!headers.some((ph) => fileBytesHold(ph, phdr))) {
    return refused(LOADER_STATUS.badSegments, holder, 'p_vaddr', phdr, ' of PT_PHDR is outside the file bytes of every PT_LOAD');
  }
  return phdr;
}

/** loader_check_base: a page-aligned base that keeps the span inside the address space. */
export function checkLoaderBase(elf: ElfFile, image: LoaderImage, base: bigint): LoaderRefusal | undefined {
  const top = elf.reader.wordMask;
  if ((base & (elf.arch.pageSize - 1n)) !== 0n) return refused(LOADER_STATUS.badBase, undefined, 'base', base, ' is not page-aligned');
  if (base > top - image.high)
    return refused(LOADER_STATUS.badBase, undefined, 'base', base, ' is too high: the program would wrap around the address space');
  return undefined;
}
