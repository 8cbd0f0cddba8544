import {
  type Arch,
  DT_JMPREL,
  DT_PLTREL,
  DT_PLTRELSZ,
  DT_REL,
  DT_RELA,
  type ElfFile,
  hex,
  type RelocationInfo,
  type RelocationTable,
  readRelocation,
  relocationTable,
  stopAtFirstError,
  TABLE_TAGS,
  tableWords,
  typeName,
} from '../../elf/index.js';

/**
 * A relocation whose value comes from calling code in the program (an IFUNC resolver): no plan
 * can know it, only where it must point. glibc's static-PIE startup resolves them in its
 * relocator (`ELF_DYNAMIC_RELOCATE` with `skip_ifunc` 0: each R_*_IRELATIVE calls the resolver at
 * base + addend and stores what it returns); musl and piekit's stub resolve none.
 */
export interface RunTimeResolved {
  /** The table as the dynamic section names it: DT_REL, DT_RELA or DT_JMPREL. */
  readonly table: 'rel' | 'rela' | 'jmprel';
  readonly index: number;
  /** Link-time address of the word written. */
  readonly offset: bigint;
  readonly type: number;
  readonly typeName: string;
  /** Link-time address of the resolver (the addend; a REL entry keeps it in the word). */
  readonly resolver: bigint | undefined;
}

/** Relocation types whose value a resolver returns: every psABI names them R_*_IRELATIVE. */
export function isResolvedAtRunTime(arch: Arch, type: number): boolean {
  return typeName(arch, type).endsWith('_IRELATIVE');
}

/**
 * DT_JMPREL in DT_PLTREL's format, when the file has one and it is not part of the REL/RELA
 * table already (GNU ld may cover .rela.plt with DT_RELASZ). Static-PIEs keep their IRELATIVE
 * entries there.
 */
export function jmprelTable(elf: ElfFile, info: RelocationInfo): RelocationTable | undefined {
  const sorted = info.dynamic.sorted;
  const vaddr = sorted[Number(DT_JMPREL)] ?? 0n;
  const pltrel = sorted[Number(DT_PLTREL)] ?? 0n;
  const kind = pltrel === DT_RELA ? 'rela' : pltrel === DT_REL ? 'rel' : undefined;
  if (vaddr === 0n || kind === undefined) return undefined;
  if (info.tables.some((table) => table.kind !== 'relr' && vaddr >= table.vaddr && vaddr < table.vaddr + table.size)) return undefined;
  const entrySize = TABLE_TAGS[kind].words * elf.reader.wordSize;
  const size = sorted[Number(DT_PLTRELSZ)] ?? 0n;
  const count = Number(size / BigInt(entrySize));
  const what = `DT_JMPREL table (DT_JMPREL = ${hex(vaddr)}, DT_PLTRELSZ = ${size})`;
  return relocationTable(elf.reader, kind, vaddr, size, entrySize, elf.addressMap.bytesAt(vaddr, BigInt(count * entrySize), what, stopAtFirstError));
}

/** The resolver-based entries of REL, RELA and DT_JMPREL, in that order. */
export function resolvedAtRunTime(elf: ElfFile, info: RelocationInfo): RunTimeResolved[] {
  const tables: { readonly name: RunTimeResolved['table']; readonly table: RelocationTable }[] = info.tables
    .filter((table) => table.kind !== 'relr')
    .map((table) => ({ name: table.kind as 'rel' | 'rela', table }));
  const jmprel = jmprelTable(elf, info);
  if (jmprel !== undefined) tables.push({ name: 'jmprel', table: jmprel });
  const resolved: RunTimeResolved[] = [];
  for (const { name, table } of tables) {
    for (const index of resolvedEntries(elf, info, table)) {
      const entry = readRelocation(elf.reader, info.decoder, table, index);
      const resolver = entry.addend ?? wordAt(elf, entry.offset);
      resolved.push({ table: name, index, offset: entry.offset, type: entry.type, typeName: typeName(elf.arch, entry.type), resolver });
    }
  }
  return resolved;
}

/**
 * `isResolvedAtRunTime` judged once per type: a library holds hundreds of thousands of entries of
 * a handful of types, and naming a type costs a string.
 */
export function resolvedTypeJudge(arch: Arch): (type: number) => boolean {
  const judged = new Map<number, boolean>();
  return (type) => {
    let resolved = judged.get(type);
    if (resolved === undefined) {
      resolved = isResolvedAtRunTime(arch, type);
      judged.set(type, resolved);
    }
    return resolved;
  };
}

/** Indexes of a table's resolver-based entries, from r_info read as words; relative entries are passed over by their pattern alone. */
function resolvedEntries(elf: ElfFile, info: RelocationInfo, table: RelocationTable): number[] {
  const { words, step, infoLow, infoHigh, highMask } = tableWords(elf.reader, table);
  const { lowMask, low, highMask: relativeHighMask, high } = info.decoder.relative;
  const isResolved = resolvedTypeJudge(elf.arch);
  const indexes: number[] = [];
  for (let index = 0, at = 0; index < table.count; index++, at += step) {
    const infoLowWord = words[at + infoLow] as number;
    const infoHighWord = ((words[at + infoHigh] as number) & highMask) >>> 0;
    if ((infoLowWord & lowMask) >>> 0 === low && (infoHighWord & relativeHighMask) >>> 0 === high) continue;
    if (isResolved(info.decoder.type(infoLowWord, infoHighWord))) indexes.push(index);
  }
  return indexes;
}

/** A memoizing getter of the list, for a plan's `resolvedAtRunTime` property. */
export function lazyResolvedAtRunTime(elf: ElfFile, info: RelocationInfo): () => RunTimeResolved[] {
  let resolved: RunTimeResolved[] | undefined;
  return () => (resolved ??= resolvedAtRunTime(elf, info));
}

/** The file's word at a link-time address, where the file holds it. */
function wordAt(elf: ElfFile, vaddr: bigint): bigint | undefined {
  try {
    return elf.reader.word(elf.addressMap.fileOffset(vaddr, BigInt(elf.reader.wordSize), 'REL IRELATIVE word'));
  } catch {
    return undefined;
  }
}
