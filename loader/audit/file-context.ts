// The reader's index does not export these two; the audit must read the dynamic array even when
// the planner cannot go on past the tables it points to.
import { findDynamicHeader, readDynamic } from '../../elf/dynamic.js';
import { type Arch, collectErrors, DT_NULL, type DynamicEntry, ElfError, type ElfFile, hostWords, PT_DYNAMIC } from '../../elf/index.js';
import { type InfoDecoder, infoDecoder } from '../../elf/relocations.js';
import { type ImageLayout, type Plan, plan } from '../model/index.js';
import { LoadedBytes } from './loaded-bytes.js';
import { EntryClassifier } from './relocation-classes.js';

/** What every part of an audit reads from one file, read once. */
export interface FileContext {
  readonly elf: ElfFile;
  readonly arch: Arch;
  /** The dynamic array at PT_DYNAMIC's p_vaddr, up to and including DT_NULL. */
  readonly dynamic: readonly DynamicEntry[];
  /**
   * The planner's reading of the file, made under the collecting policy: the words relocation
   * writes as far as the file lets them be read; undefined when its PT_LOADs cannot be laid out.
   */
  readonly reading: Plan | undefined;
  /** Every problem the planner found on the way, first found first: none means piekit plans the file. */
  readonly problems: readonly ElfError[];
  /** The PT_LOADs side by side, or why they cannot be. */
  readonly layout: ImageLayout | ElfError;
  readonly loaded: LoadedBytes;
  readonly decoder: InfoDecoder;
  readonly classifier: EntryClassifier;
  /** The dynamic array read from the file at PT_DYNAMIC's p_offset, as a loader working on the file reads it. */
  dynamicInFile(): readonly DynamicEntry[];
  /**
   * Bytes of the file's memory (LoadedBytes.read) as host-order 32-bit words (elf/host-words.ts):
   * the one decoding of a table that every run walking it shares.
   */
  words(bytes: Uint8Array): Uint32Array;
}

/**
 * Fails, with the reader's own ElfError, only for a file that is not a static-PIE candidate at all:
 * not ET_DYN, or no dynamic array a relocator could find. Everything after that is audited.
 */
export function fileContext(elf: ElfFile): FileContext {
  const diagnostics = collectErrors();
  let reading: Plan | undefined;
  let refusal: ElfError | undefined;
  try {
    reading = plan(elf, diagnostics);
  } catch (error) {
    if (!(error instanceof ElfError) || error.code === 'NOT_PIE') throw error;
    refusal = error;
  }
  // A dynamic array the planner could not read refuses the whole audit, with the reader's error.
  const dynamic = reading?.info.dynamic.entries ?? readDynamic(elf.reader, elf.addressMap, findDynamicHeader(elf.programHeaders)).entries;
  let inFile: readonly DynamicEntry[] | undefined;
  const decoded = new Map<string, Uint32Array>();
  return {
    elf,
    arch: elf.arch,
    dynamic,
    reading,
    problems: refusal === undefined ? diagnostics.errors : [...diagnostics.errors, refusal],
    layout: reading?.layout ?? (refusal as ElfError),
    loaded: new LoadedBytes(elf),
    decoder: infoDecoder(elf.arch),
    classifier: new EntryClassifier(elf.arch),
    dynamicInFile: () => (inFile ??= readDynamicInFile(elf)),
    words: (bytes) => {
      // Bytes that are a view of the file are known by where they lie; a copy (zeros past p_filesz) is decoded anew.
      if (bytes.buffer !== elf.bytes.buffer) return hostWords(bytes, elf.reader.little);
      const key = `${bytes.byteOffset}:${bytes.length}`;
      let words = decoded.get(key);
      if (words === undefined) {
        words = hostWords(bytes, elf.reader.little);
        decoded.set(key, words);
      }
      return words;
    },
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
