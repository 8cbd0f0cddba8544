import {
  AddressNames,
  decodeRelr,
  dynamicTagNames,
  type ElfFile,
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
  readRelocation,
  typeName,
} from '../../elf/index.js';
import type { Plan } from './plan.js';

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
  readonly table: 'rel' | 'rela' | 'relr';
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

export function inspect(plan: Plan): Inspection {
  const elf = plan.elf;
  const relativeType = elf.arch.relativeType;
  const names = new AddressNames(elf.reader, elf.sectionHeaders);
  const at = (vaddr: bigint): Pick<InspectedRelocation, 'section' | 'name'> => {
    const symbol = names.symbol(vaddr);
    return {
      section: names.section(vaddr) ?? null,
      name: symbol === undefined ? null : symbol.offset === 0n ? symbol.name : `${symbol.name}+${hex(symbol.offset)}`,
    };
  };
  const relocations: InspectedRelocation[] = [];
  if (plan.localGot !== undefined) {
    for (let index = 0; index < plan.localGot.count; index++) {
      const vaddr = plan.localGot.vaddr + BigInt(index * elf.reader.wordSize);
      relocations.push({
        source: `got#${index}`,
        vaddr: hex(vaddr),
        type: relativeType,
        typeName: 'local GOT',
        symbol: 0,
        addend: null,
        relative: true,
        ...at(vaddr),
      });
    }
  }
  for (const { table } of plan.tables) {
    if (table.kind === 'relr') {
      for (const { address, entry } of decodeRelr(elf.reader, table)) {
        relocations.push({
          source: `relr#${entry}`,
          vaddr: hex(address),
          type: relativeType,
          typeName: typeName(elf.arch, relativeType),
          symbol: 0,
          addend: null,
          relative: true,
          ...at(address),
        });
      }
      continue;
    }
    for (let index = 0; index < table.count; index++) {
      const entry = readRelocation(elf.reader, plan.info.decoder, table, index);
      relocations.push({
        source: `${table.kind}#${index}`,
        vaddr: hex(entry.offset),
        type: entry.type,
        typeName: typeName(elf.arch, entry.type),
        symbol: entry.symbol,
        addend: entry.addend === undefined ? null : signedHex(entry.addend),
        relative: entry.relative,
        ...at(entry.offset),
      });
    }
  }
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
    tables: plan.tables.map(({ table, relative, skipped }) => ({
      table: table.kind,
      vaddr: hex(table.vaddr),
      size: Number(table.size),
      entrySize: table.entrySize,
      entries: table.count,
      relative,
      skipped: Object.fromEntries(skipped),
    })),
    localGot: plan.localGot === undefined ? null : { vaddr: hex(plan.localGot.vaddr), count: plan.localGot.count },
    textRelocations: plan.textRelocations.length,
    relocations,
  };
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

function signedHex(value: bigint): string {
  return value < 0n ? `-${hex(-value)}` : hex(value);
}
