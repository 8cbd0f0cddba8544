import type { AddressMap } from './address-map.js';
import { DT_MIPS_LOCAL_GOTNO, DT_NULL, DT_NUM, PT_DYNAMIC } from './constants.js';
import { ElfError, hex } from './errors.js';
import type { ProgramHeader } from './program-headers.js';
import type { ElfReader } from './reader.js';

export interface DynamicEntry {
  readonly index: number;
  /** d_tag as stored: signed (Elf64_Sxword / Elf32_Sword). */
  readonly tag: bigint;
  readonly value: bigint;
}

export interface DynamicSection {
  readonly header: ProgramHeader;
  /** The entries up to and including DT_NULL. */
  readonly entries: readonly DynamicEntry[];
  /**
   * Entries indexed by tag, as the startup code sorts them: only tags below DT_NUM compared
   * unsigned (a negative d_tag is huge, not an index), later duplicates overwriting earlier ones,
   * absent tags 0.
   */
  readonly sorted: readonly bigint[];
  readonly mipsLocalGotno: bigint;
}

export function findDynamicHeader(programHeaders: readonly ProgramHeader[]): ProgramHeader {
  const header = programHeaders.find((candidate) => candidate.type === PT_DYNAMIC);
  if (header === undefined) {
    throw new ElfError('NO_DYNAMIC', 'Invalid ELF program headers: no PT_DYNAMIC, so the file has nothing to relocate itself with');
  }
  return header;
}

/**
 * Reads the dynamic array where the startup code finds it: in memory at PT_DYNAMIC's p_vaddr,
 * up to DT_NULL. Memory holds the file's bytes up to p_filesz of the segment and zeros after
 * them, byte by byte: an entry may straddle that boundary, and zeros read as DT_NULL.
 */
export function readDynamic(reader: ElfReader, map: AddressMap, header: ProgramHeader): DynamicSection {
  const w = reader.wordSize;
  const entrySize = 2 * w;
  const load = map.segmentOf(header.vaddr);
  if (load === undefined) {
    throw new ElfError('UNMAPPED_ADDRESS', `Invalid ELF PT_DYNAMIC: p_vaddr = ${hex(header.vaddr)} is outside every PT_LOAD segment`);
  }
  const inSegment = header.vaddr - load.vaddr;
  const mappedEntries = Number((load.memsz - inSegment) / BigInt(entrySize));
  // Bytes of the dynamic array that come from the file; the rest of the segment is zeros.
  const fileBytes = Math.min(mappedEntries * entrySize, Number(load.filesz > inSegment ? load.filesz - inSegment : 0n));
  const start = fileBytes > 0 ? map.fileOffset(header.vaddr, BigInt(fileBytes), 'dynamic section') : 0;
  const word = (at: number, signed: boolean): bigint => {
    if (at + w <= fileBytes) return signed ? reader.signedWord(start + at) : reader.word(start + at);
    if (at >= fileBytes) return 0n;
    let value = 0n;
    for (let byte = 0; byte < w; byte++) {
      const present = at + byte < fileBytes ? BigInt(reader.u8(start + at + byte)) : 0n;
      value |= present << BigInt(8 * (reader.little ? byte : w - 1 - byte));
    }
    return signed ? BigInt.asIntN(8 * w, value) : value;
  };

  const entries: DynamicEntry[] = [];
  for (let index = 0; ; index++) {
    if (index >= mappedEntries) {
      throw new ElfError(
        'UNTERMINATED_DYNAMIC',
        `Invalid ELF dynamic section: no DT_NULL among the ${mappedEntries} entries that fit in PT_LOAD ${load.index}`,
      );
    }
    const entry: DynamicEntry = { index, tag: word(index * entrySize, true), value: word(index * entrySize + w, false) };
    entries.push(entry);
    if (entry.tag === DT_NULL) break;
  }
  return { header, entries, sorted: sortByTag(entries, reader.wordSize * 8), mipsLocalGotno: lastValue(entries, DT_MIPS_LOCAL_GOTNO) };
}

function sortByTag(entries: readonly DynamicEntry[], bits: number): bigint[] {
  const sorted = new Array<bigint>(DT_NUM).fill(0n);
  for (const entry of entries) {
    const tag = BigInt.asUintN(bits, entry.tag);
    if (tag < BigInt(DT_NUM)) sorted[Number(tag)] = entry.value;
  }
  return sorted;
}

function lastValue(entries: readonly DynamicEntry[], tag: bigint): bigint {
  let value = 0n;
  for (const entry of entries) if (entry.tag === tag) value = entry.value;
  return value;
}
