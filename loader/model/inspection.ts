import {
  AddressNames,
  dynamicTagNames,
  type ElfFile,
  forEachRelrAddress,
  hex,
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
  readRelocation,
  typeName,
} from '../../elf/index.js';
import { putHex64 } from './ascii-buffer.js';
import type { Plan } from './plan.js';
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

/**
 * One relocation as `inspect` lists it, in 32-bit halves: the walker reuses one row for every
 * entry, since a library has hundreds of thousands.
 */
export interface RelocationRow {
  /** SOURCE_GOT, SOURCE_REL, SOURCE_RELA or SOURCE_RELR. */
  source: number;
  index: number;
  vaddrLow: number;
  vaddrHigh: number;
  type: number;
  symbol: number;
  /** RELA only: r_addend as a 64-bit two's complement (ELF32 addends sign-extended). */
  hasAddend: boolean;
  addendLow: number;
  addendHigh: number;
  relative: boolean;
}

/** Every entry (and every RELR-decoded address) in the order startup code meets them, the MIPS local GOT first. */
export function forEachRelocation(plan: Plan, visit: (row: RelocationRow) => void): void {
  const elf = plan.elf;
  const { view, little, lowAt, highAt, wordSize: w } = elf.reader;
  const relativeType = elf.arch.relativeType;
  const row: RelocationRow = {
    source: SOURCE_GOT,
    index: 0,
    vaddrLow: 0,
    vaddrHigh: 0,
    type: relativeType,
    symbol: 0,
    hasAddend: false,
    addendLow: 0,
    addendHigh: 0,
    relative: true,
  };
  if (plan.localGot !== undefined) {
    for (let index = 0; index < plan.localGot.count; index++) {
      [row.vaddrLow, row.vaddrHigh] = splitWord(plan.localGot.vaddr + BigInt(index * w));
      row.index = index;
      visit(row);
    }
  }
  const decoder = plan.info.decoder;
  for (const { table } of plan.tables) {
    if (table.kind === 'relr') {
      row.source = SOURCE_RELR;
      row.type = relativeType;
      row.symbol = 0;
      row.hasAddend = false;
      row.relative = true;
      forEachRelrAddress(elf.reader, table, (low, high, entry) => {
        row.vaddrLow = low;
        row.vaddrHigh = high;
        row.index = entry;
        visit(row);
      });
      continue;
    }
    visitEntries(table, table.kind === 'rela' ? SOURCE_RELA : SOURCE_REL);
  }
  const jmprel = jmprelTable(elf, plan.info);
  if (jmprel !== undefined) visitEntries(jmprel, SOURCE_JMPREL);

  function visitEntries(table: RelocationTable, source: number): void {
    const isRela = table.kind === 'rela';
    row.source = source;
    row.hasAddend = isRela;
    row.addendLow = 0;
    row.addendHigh = 0;
    for (let index = 0, at = table.fileOffset; index < table.count; index++, at += table.entrySize) {
      const infoLow = view.getUint32(at + w + lowAt, little);
      const infoHigh = w === 8 ? view.getUint32(at + w + highAt, little) : 0;
      row.index = index;
      row.vaddrLow = view.getUint32(at + lowAt, little);
      row.vaddrHigh = w === 8 ? view.getUint32(at + highAt, little) : 0;
      row.type = decoder.type(infoLow, infoHigh);
      row.symbol = decoder.symbol(infoLow, infoHigh);
      // The plan applies no DT_JMPREL entry.
      row.relative = source !== SOURCE_JMPREL && decoder.isRelative(infoLow, infoHigh);
      if (isRela) {
        row.addendLow = view.getUint32(at + 2 * w + lowAt, little);
        row.addendHigh = w === 8 ? view.getUint32(at + 2 * w + highAt, little) : (row.addendLow & 0x80000000) !== 0 ? 0xffffffff : 0;
      }
      visit(row);
    }
  }
}

/** The source name of a row (`got`, `rel`, `rela`, `relr`, `jmprel`). */
export function rowSource(row: RelocationRow): string {
  return ROW_SOURCES[row.source] ?? 'unknown';
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
  const elf = plan.elf;
  const names = new AddressNames(elf.reader, elf.sectionHeaders);
  const relocations: InspectedRelocation[] = [];
  forEachRelocation(plan, (row) => {
    const vaddr = joinWord(row.vaddrLow, row.vaddrHigh);
    const symbol = names.symbol(vaddr);
    relocations.push({
      source: `${rowSource(row)}#${row.index}`,
      vaddr: hex(vaddr),
      type: row.type,
      typeName: row.source === SOURCE_GOT ? 'local GOT' : typeName(elf.arch, row.type),
      symbol: row.symbol,
      addend: row.hasAddend ? signedHex(BigInt.asIntN(64, joinWord(row.addendLow, row.addendHigh))) : null,
      relative: row.relative,
      section: names.section(vaddr) ?? null,
      name: symbol === undefined ? null : symbol.offset === 0n ? symbol.name : `${symbol.name}+${hex(symbol.offset)}`,
    });
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
