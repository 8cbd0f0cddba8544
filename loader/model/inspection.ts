import {
  countRelrAddresses,
  dynamicTagNames,
  type ElfFile,
  hex,
  type InfoDecoder,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_EH_FRAME,
  PT_GNU_PROPERTY,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_LOPROC,
  PT_NOTE,
  PT_NULL,
  PT_PHDR,
  PT_SHLIB,
  PT_TLS,
  type RelocationTable,
  RelrAddresses,
  readRelocation,
  type TableWords,
  tableWords,
  typeName,
} from '../../elf/index.js';
import { putHex64 } from './ascii-buffer.js';
import type { Plan } from './plan.js';
import { RowNames } from './row-names.js';
import { jmprelTable } from './run-time-resolved.js';
import { joinWord, splitWord } from './words.js';
import { SOURCE_GOT, SOURCE_REL, SOURCE_RELA, SOURCE_RELR, SOURCES } from './write-list.js';

/** The sources of inspected rows: a planned write's, and `jmprel` for DT_JMPREL entries, which the plan never applies. */
export const ROW_SOURCES = [...SOURCES, 'jmprel'] as const;
export const SOURCE_JMPREL = ROW_SOURCES.indexOf('jmprel');

/** What `piekit inspect --json` prints; README.md documents each field. */
export interface Inspection {
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  readonly machine: number;
  readonly arch: string;
  readonly type: number;
  readonly entry: string;
  readonly flags: string;
  readonly segments: readonly InspectedSegment[];
  readonly dynamic: readonly { readonly tag: string; readonly name: string; readonly value: string }[];
  readonly tables: readonly InspectedTable[];
  readonly localGot: { readonly vaddr: string; readonly count: number } | null;
  readonly textRelocations: number;
  readonly relocations: readonly InspectedRelocation[];
}

export interface InspectedSegment {
  readonly index: number;
  readonly type: string;
  readonly offset: string;
  readonly vaddr: string;
  readonly filesz: string;
  readonly memsz: string;
  readonly flags: string;
  readonly align: string;
}

export interface InspectedTable {
  readonly table: 'rel' | 'rela' | 'relr' | 'jmprel';
  readonly vaddr: string;
  readonly size: number;
  readonly entrySize: number;
  readonly entries: number;
  readonly relative: number;
  readonly skipped: Readonly<Record<string, number>>;
}

export interface InspectedRelocation {
  /** `table#index` of the entry; RELR addresses carry the index of the entry they were decoded from. */
  readonly source: string;
  /** Link-time address of the word. */
  readonly vaddr: string;
  readonly type: number;
  readonly typeName: string;
  readonly symbol: number;
  readonly addend: string | null;
  readonly relative: boolean;
  readonly section: string | null;
  readonly name: string | null;
}

const SEGMENT_TYPES: ReadonlyMap<number, string> = new Map([
  [PT_NULL, 'NULL'],
  [PT_LOAD, 'LOAD'],
  [PT_DYNAMIC, 'DYNAMIC'],
  [PT_INTERP, 'INTERP'],
  [PT_NOTE, 'NOTE'],
  [PT_SHLIB, 'SHLIB'],
  [PT_PHDR, 'PHDR'],
  [PT_TLS, 'TLS'],
  [PT_GNU_EH_FRAME, 'GNU_EH_FRAME'],
  [PT_GNU_STACK, 'GNU_STACK'],
  [PT_GNU_RELRO, 'GNU_RELRO'],
  [PT_GNU_PROPERTY, 'GNU_PROPERTY'],
  [PT_LOPROC, 'LOPROC+0'],
  [PT_LOPROC + 1, 'LOPROC+1'],
  [PT_LOPROC + 2, 'LOPROC+2'],
  [PT_LOPROC + 3, 'LOPROC+3'],
]);

export function segmentTypeName(type: number): string {
  return SEGMENT_TYPES.get(type) ?? hex(type);
}

/** As readelf prints p_flags: R, W and E, a space for each one clear. */
export function segmentFlags(flags: number): string {
  return `${flags & PF_R ? 'R' : ' '}${flags & PF_W ? 'W' : ' '}${flags & PF_X ? 'E' : ' '}`;
}

/** Rows a block holds: enough that a call per block costs nothing, few enough to stay in cache. */
export const BLOCK_ROWS = 4096;

/**
 * Relocations as `inspect` lists them, a block at a time, each field a typed array with a slot per
 * row and 64-bit values in 32-bit halves: a library has hundreds of thousands of rows, and a loop
 * over typed arrays is what a writer runs fastest.
 */
export class RowBlock {
  /** Rows filled, from 0. */
  count = 0;
  /** A ROW_SOURCES index: SOURCE_GOT, SOURCE_REL, SOURCE_RELA, SOURCE_RELR or SOURCE_JMPREL. */
  readonly source = new Uint8Array(BLOCK_ROWS);
  /** The entry's index in its table; RELR addresses carry the index of the entry they were decoded from. */
  readonly index = new Uint32Array(BLOCK_ROWS);
  readonly vaddrLow = new Uint32Array(BLOCK_ROWS);
  readonly vaddrHigh = new Uint32Array(BLOCK_ROWS);
  readonly type = new Uint32Array(BLOCK_ROWS);
  readonly symbol = new Uint32Array(BLOCK_ROWS);
  /** 1 for RELA entries, whose r_addend is a 64-bit two's complement (ELF32 addends sign-extended). */
  readonly hasAddend = new Uint8Array(BLOCK_ROWS);
  readonly addendLow = new Uint32Array(BLOCK_ROWS);
  readonly addendHigh = new Uint32Array(BLOCK_ROWS);
  /** 1 for the rows the plan applies. */
  readonly relative = new Uint8Array(BLOCK_ROWS);
}

/**
 * Every entry (and every RELR-decoded address) in the order startup code meets them, the MIPS
 * local GOT first, handed to `visit` a block at a time: the same block, refilled.
 */
export function forEachRowBlock(plan: Plan, visit: (rows: RowBlock) => void): void {
  const elf = plan.elf;
  const w = elf.reader.wordSize;
  const relativeType = elf.arch.relativeType;
  const rows = new RowBlock();
  const gotRow = (index: number, low: number, high: number): void => {
    if (rows.count === BLOCK_ROWS) {
      visit(rows);
      rows.count = 0;
    }
    const at = rows.count++;
    rows.index[at] = index;
    rows.vaddrLow[at] = low;
    rows.vaddrHigh[at] = high;
    relativeRows(rows, SOURCE_GOT, relativeType, at);
  };
  const addEntries = (table: RelocationTable, source: number): void => {
    const entries = tableWords(elf.reader, table);
    const isRela = table.kind === 'rela' ? 1 : 0;
    for (let first = 0; first < table.count; ) {
      if (rows.count === BLOCK_ROWS) {
        visit(rows);
        rows.count = 0;
      }
      const last = Math.min(table.count, first + BLOCK_ROWS - rows.count);
      fillEntries(rows, entries, plan.info.decoder, isRela, source, first, last);
      first = last;
    }
  };
  if (plan.localGot !== undefined) {
    for (let index = 0; index < plan.localGot.count; index++) {
      const [low, high] = splitWord(plan.localGot.vaddr + BigInt(index * w));
      gotRow(index, low, high);
    }
  }
  const addRelr = (table: RelocationTable): void => {
    const addresses = new RelrAddresses(elf.reader, table);
    for (;;) {
      if (rows.count === BLOCK_ROWS) {
        visit(rows);
        rows.count = 0;
      }
      const first = rows.count;
      rows.count = addresses.fill(rows.vaddrLow, rows.vaddrHigh, rows.index, first, BLOCK_ROWS);
      if (rows.count === first) return;
      relativeRows(rows, SOURCE_RELR, relativeType, first);
    }
  };
  for (const { table } of plan.tables) {
    if (table.kind === 'relr') addRelr(table);
    else addEntries(table, table.kind === 'rela' ? SOURCE_RELA : SOURCE_REL);
  }
  const jmprel = jmprelTable(elf, plan.info);
  if (jmprel !== undefined) addEntries(jmprel, SOURCE_JMPREL);
  if (rows.count > 0) visit(rows);
}

/** The fields but address and index of rows `first` to the block's count, relative words of one source. */
function relativeRows(rows: RowBlock, source: number, relativeType: number, first: number): void {
  const end = rows.count;
  rows.source.fill(source, first, end);
  rows.type.fill(relativeType, first, end);
  rows.symbol.fill(0, first, end);
  rows.hasAddend.fill(0, first, end);
  rows.relative.fill(1, first, end);
}

/** How many rows `forEachRowBlock` hands over. */
export function rowCount(plan: Plan): number {
  const { reader } = plan.elf;
  const jmprel = jmprelTable(plan.elf, plan.info);
  return plan.tables.reduce(
    (rows, { table }) => rows + (table.kind === 'relr' ? countRelrAddresses(reader, table) : table.count),
    (plan.localGot?.count ?? 0) + (jmprel?.count ?? 0),
  );
}

/**
 * Entries `first` to `last` of a REL, RELA or DT_JMPREL table, read as host-order words, into the
 * block from its count. A function of its own, with no call out: it is compiled once for every
 * pass and every table, and nothing in it waits for a block to fill to be seen for the first time.
 */
function fillEntries(rows: RowBlock, entries: TableWords, decoder: InfoDecoder, isRela: number, source: number, first: number, last: number): void {
  const {
    words,
    step,
    offsetLow,
    offsetHigh,
    infoLow: infoLowAt,
    infoHigh: infoHighAt,
    addendLow: addendLowAt,
    addendHigh: addendHighAt,
    highMask,
  } = entries;
  // The plan applies no DT_JMPREL entry.
  const applied = source === SOURCE_JMPREL ? 0 : 1;
  const { lowMask, low: lowValue, highMask: infoHighMask, high: highValue } = decoder.relative;
  const { source: sources, index: indexes, vaddrLow, vaddrHigh, type, symbol, hasAddend, addendLow, addendHigh, relative } = rows;
  const start = rows.count;
  // Counted first: code after a hot loop lacks feedback when V8 compiles the loop on stack
  // replacement, and the compiled loop, cached, would deoptimize there on every call.
  rows.count += last - first;
  for (let index = first, at = start, word = first * step; index < last; index++, at++, word += step) {
    const infoLow = words[word + infoLowAt] as number;
    const infoHigh = ((words[word + infoHighAt] as number) & highMask) >>> 0;
    sources[at] = source;
    indexes[at] = index;
    vaddrLow[at] = words[word + offsetLow] as number;
    vaddrHigh[at] = ((words[word + offsetHigh] as number) & highMask) >>> 0;
    type[at] = decoder.type(infoLow, infoHigh);
    symbol[at] = decoder.symbol(infoLow, infoHigh);
    relative[at] = applied & ((infoLow & lowMask) >>> 0 === lowValue && (infoHigh & infoHighMask) >>> 0 === highValue ? 1 : 0);
    hasAddend[at] = isRela;
    if (isRela === 0) continue;
    const low = words[word + addendLowAt] as number;
    addendLow[at] = low;
    // ELF32 addends are sign-extended.
    addendHigh[at] = highMask !== 0 ? (words[word + addendHighAt] as number) : (low & 0x80000000) !== 0 ? 0xffffffff : 0;
  }
}

/** Everything `inspect` gives but the relocations: small, whatever the file. */
export function inspectHead(plan: Plan): Omit<Inspection, 'relocations'> {
  const elf = plan.elf;
  return {
    ...summary(elf),
    segments: elf.programHeaders.map((header) => ({
      index: header.index,
      type: segmentTypeName(header.type),
      offset: hex(header.offset),
      vaddr: hex(header.vaddr),
      filesz: hex(header.filesz),
      memsz: hex(header.memsz),
      flags: segmentFlags(header.flags),
      align: hex(header.align),
    })),
    dynamic: plan.info.dynamic.entries.map((entry) => ({
      tag: signedHex(entry.tag),
      name: dynamicTagNames.get(entry.tag) ?? 'unknown',
      value: hex(entry.value),
    })),
    tables: [
      ...plan.tables.map(({ table, relative, skipped }) => ({
        table: table.kind,
        vaddr: hex(table.vaddr),
        size: Number(table.size),
        entrySize: table.entrySize,
        entries: table.count,
        relative,
        skipped: Object.fromEntries(skipped),
      })),
      ...jmprelSummary(plan),
    ],
    localGot: plan.localGot === undefined ? null : { vaddr: hex(plan.localGot.vaddr), count: plan.localGot.count },
    textRelocations: plan.textRelocations.length,
  };
}

/** The whole inspection as objects, for library callers; the CLI streams it instead (inspection-json.ts). */
export function inspect(plan: Plan): Inspection {
  const names = new RowNames(plan, (text) => text);
  const relocations: InspectedRelocation[] = [];
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    for (let row = 0; row < rows.count; row++) {
      const symbol = names.symbols[row] as number;
      const offset = joinWord(names.offsetLows[row] as number, names.offsetHighs[row] as number);
      const addend = joinWord(rows.addendLow[row] as number, rows.addendHigh[row] as number);
      relocations.push({
        source: `${ROW_SOURCES[rows.source[row] as number]}#${rows.index[row]}`,
        vaddr: hex(joinWord(rows.vaddrLow[row] as number, rows.vaddrHigh[row] as number)),
        type: rows.type[row] as number,
        typeName: names.typeText(rows.source[row] as number, rows.type[row] as number),
        symbol: rows.symbol[row] as number,
        addend: rows.hasAddend[row] === 1 ? signedHex(BigInt.asIntN(64, addend)) : null,
        relative: rows.relative[row] === 1,
        section: names.sectionText(names.shapeStretches[names.shapes[row] as number] as number),
        name: symbol < 0 ? null : offset === 0n ? names.symbolText(symbol) : `${names.symbolText(symbol)}+${hex(offset)}`,
      });
    }
  });
  return { ...inspectHead(plan), relocations };
}

/** DT_JMPREL, which the plan does not apply: every entry counts as left alone, by type. */
function jmprelSummary(plan: Plan): InspectedTable[] {
  const elf = plan.elf;
  const table = jmprelTable(elf, plan.info);
  if (table === undefined) return [];
  const byType: Record<string, number> = {};
  for (let index = 0; index < table.count; index++) {
    const name = typeName(elf.arch, readRelocation(elf.reader, plan.info.decoder, table, index).type);
    byType[name] = (byType[name] ?? 0) + 1;
  }
  const size = Number(table.size);
  return [{ table: 'jmprel', vaddr: hex(table.vaddr), size, entrySize: table.entrySize, entries: table.count, relative: 0, skipped: byType }];
}

function summary(elf: ElfFile): Pick<Inspection, 'class' | 'endian' | 'machine' | 'arch' | 'type' | 'entry' | 'flags'> {
  return {
    class: elf.header.class,
    endian: elf.reader.endian,
    machine: elf.header.machine,
    arch: elf.arch.name,
    type: elf.header.type,
    entry: hex(elf.header.entry),
    flags: hex(elf.header.flags),
  };
}

/** A 64-bit two's complement given as halves, as `signedHex` prints it. */
export function putSignedHex64(bytes: Uint8Array, at: number, low: number, high: number): number {
  if ((high & 0x80000000) === 0) return putHex64(bytes, at, low, high);
  bytes[at] = 0x2d;
  const negatedLow = (~low + 1) >>> 0;
  return putHex64(bytes, at + 1, negatedLow, (~high + (negatedLow === 0 ? 1 : 0)) >>> 0);
}

export function signedHex(value: bigint): string {
  return value < 0n ? `-${hex(-value)}` : hex(value);
}
