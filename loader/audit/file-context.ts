// The reader's index does not export these two; the audit must read the dynamic array even when
// readRelocationInfo refuses the tables it points to.
import { findDynamicHeader, readDynamic } from '../../elf/dynamic.js';
import {
  type Arch,
  DT_NULL,
  type DynamicEntry,
  ElfError,
  type ElfFile,
  PT_DYNAMIC,
  type RelocationInfo,
  readRelocationInfo,
} from '../../elf/index.js';
import { type InfoDecoder, infoDecoder } from '../../elf/relocations.js';
import { type ImageLayout, layoutOf } from '../model/index.js';
import { LoadedBytes } from './loaded-bytes.js';
import { EntryClassifier } from './relocation-classes.js';

/** What every part of an audit reads from one file, read once. */
export interface FileContext {
  readonly elf: ElfFile;
  readonly arch: Arch;
  /** The dynamic array at PT_DYNAMIC's p_vaddr, up to and including DT_NULL. */
  readonly dynamic: readonly DynamicEntry[];
  /** piekit's reading of the tables, or why it refuses them (the audit goes on without it). */
  readonly info: RelocationInfo | ElfError;
  /** The PT_LOADs side by side, or why they cannot be. */
  readonly layout: ImageLayout | ElfError;
  readonly loaded: LoadedBytes;
  readonly decoder: InfoDecoder;
  readonly classifier: EntryClassifier;
  /** The dynamic array read from the file at PT_DYNAMIC's p_offset, as a loader working on the file reads it. */
  dynamicInFile(): readonly DynamicEntry[];
}

/**
 * Fails, with the reader's own ElfError, only for a file that is not a static-PIE candidate at all:
 * not ET_DYN, or no dynamic array a relocator could find. Everything after that is audited.
 */
export function fileContext(elf: ElfFile): FileContext {
  let info: RelocationInfo | ElfError;
  try {
    info = readRelocationInfo(elf);
  } catch (error) {
    if (!(error instanceof ElfError) || error.code === 'NOT_PIE') throw error;
    info = error;
  }
  const dynamic =
    info instanceof ElfError ? readDynamic(elf.reader, elf.addressMap, findDynamicHeader(elf.programHeaders)).entries : info.dynamic.entries;
  let layout: ImageLayout | ElfError;
  try {
    layout = layoutOf(elf);
  } catch (error) {
    if (!(error instanceof ElfError)) throw error;
    layout = error;
  }
  let inFile: readonly DynamicEntry[] | undefined;
  return {
    elf,
    arch: elf.arch,
    dynamic,
    info,
    layout,
    loaded: new LoadedBytes(elf),
    decoder: infoDecoder(elf.arch),
    classifier: new EntryClassifier(elf.arch),
    dynamicInFile: () => (inFile ??= readDynamicInFile(elf)),
  };
}

/** Entries from p_offset up to DT_NULL or p_filesz, whichever comes first; what the file lacks is not read. */
function readDynamicInFile(elf: ElfFile): DynamicEntry[] {
  const header = elf.programHeaders.find((candidate) => candidate.type === PT_DYNAMIC);
  if (header === undefined) return [];
  const w = elf.reader.wordSize;
  const size = BigInt(elf.bytes.length);
  const available = header.offset >= size ? 0n : size - header.offset;
  const bytes = header.filesz < available ? header.filesz : available;
  const count = Number(bytes / BigInt(2 * w));
  const entries: DynamicEntry[] = [];
  if (count === 0) return entries;
  const start = elf.reader.range(header.offset, BigInt(count * 2 * w), 'PT_DYNAMIC file bytes');
  for (let index = 0; index < count; index++) {
    const entry = { index, tag: elf.reader.signedWord(start + index * 2 * w), value: elf.reader.word(start + index * 2 * w + w) };
    entries.push(entry);
    if (entry.tag === DT_NULL) break;
  }
  return entries;
}
