import { DT_NULL, type DynamicSection, type ElfFile, hex, PT_LOAD } from '../../elf/index.js';
import type { ElfWriter } from './elf-writer.js';
import { refuse } from './errors.js';
import { tagName } from './tags.js';

/**
 * A change to the dynamic array. `set` replaces the value of every entry with the tag (later
 * duplicates win when startup code sorts them, so all must agree) or, when none has it, adds one.
 * `optional` adds only when a free entry is left after every required change: DT_RELACOUNT and
 * DT_RELCOUNT only speed a dynamic linker up, their absence means 0.
 */
export interface DynamicEdits {
  readonly remove: readonly bigint[];
  readonly set: readonly (readonly [tag: bigint, value: bigint])[];
  /** Values of tags that stay only if present: never added. */
  readonly replace?: readonly (readonly [tag: bigint, value: bigint])[];
  readonly optional?: readonly (readonly [tag: bigint, value: bigint])[];
}

export interface DynamicRewrite {
  /** File offset of the dynamic array. */
  readonly fileOffset: number;
  /** Entries that fit in PT_DYNAMIC's file bytes: every one is written, DT_NULL after the last used. */
  readonly capacity: number;
  readonly entries: readonly (readonly [tag: bigint, value: bigint])[];
}

/**
 * The dynamic array after the edits, within the room the file has: PT_DYNAMIC's file-backed bytes.
 * Entries keep their order; removed ones close up and added ones go before DT_NULL, which pads
 * the rest. Only the entries after the first DT_NULL are free: startup code and every dynamic
 * linker stop there, so they hold nothing (lld and GNU ld leave such padding).
 */
export function rewriteDynamic(elf: ElfFile, dynamic: DynamicSection, edits: DynamicEdits): DynamicRewrite {
  const w = elf.reader.wordSize;
  const entrySize = 2 * w;
  const header = dynamic.header;
  const load = elf.addressMap.segmentOf(header.vaddr);
  if (load === undefined || load.type !== PT_LOAD) throw new Error('PT_DYNAMIC outside every PT_LOAD after it was read');
  const inLoad = header.vaddr - load.vaddr;
  const fileBytes = load.filesz > inLoad ? load.filesz - inLoad : 0n;
  const declared = header.filesz < fileBytes ? header.filesz : fileBytes;
  const used = dynamic.entries.length;
  const capacity = Math.max(Number(declared / BigInt(entrySize)), used);
  const fileOffset = Number(load.offset + inLoad);

  const removed = new Set(edits.remove);
  const setTags = new Map([...(edits.replace ?? []), ...edits.set]);
  const entries: [bigint, bigint][] = [];
  for (const entry of dynamic.entries) {
    if (entry.tag === DT_NULL) break;
    if (removed.has(entry.tag)) continue;
    entries.push([entry.tag, setTags.get(entry.tag) ?? entry.value]);
  }
  const present = new Set(entries.map(([tag]) => tag));
  for (const [tag, value] of edits.set) if (!present.has(tag)) entries.push([tag, value]);
  // One entry stays DT_NULL: it ends the array.
  if (entries.length + 1 > capacity) {
    const added = edits.set.filter(([tag]) => !present.has(tag)).map(([tag]) => tagName(tag));
    throw refuse(
      'NO_ROOM',
      `Invalid ELF dynamic section for conversion: ${entries.length + 1} entries needed (adding ${added.join(', ')}), ` +
        `PT_DYNAMIC at ${hex(header.vaddr)} holds ${capacity} (p_filesz = ${hex(header.filesz)}) and has no DT_NULL padding or unused entry left`,
    );
  }
  for (const [tag, value] of edits.optional ?? []) {
    if (entries.length + 1 >= capacity) break;
    if (!present.has(tag)) entries.push([tag, value]);
  }
  return { fileOffset, capacity, entries };
}

export function writeDynamic(writer: ElfWriter, rewrite: DynamicRewrite): void {
  const entrySize = 2 * writer.wordSize;
  for (let index = 0; index < rewrite.capacity; index++) {
    const [tag, value] = rewrite.entries[index] ?? [DT_NULL, 0n];
    writer.dynamicEntry(rewrite.fileOffset + index * entrySize, tag, value);
  }
}
