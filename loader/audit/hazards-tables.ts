import { hex, setBitIndexes } from '../../elf/index.js';
import { count } from '../wording.js';
import type { FileContext } from './file-context.js';
import { type FileTable, fileTables } from './file-tables.js';
import { type Hazard, HazardItems, simpleHazard } from './hazard.js';
import type { Names } from './names.js';

const ENTRY_TAG = { rel: 'DT_RELENT', rela: 'DT_RELAENT', relr: 'DT_RELRENT' } as const;
const SIZE_TAG = { rel: 'DT_RELSZ', rela: 'DT_RELASZ', relr: 'DT_RELRSZ', jmprel: 'DT_PLTRELSZ' } as const;

/**
 * What is wrong with the tables' tags, read from the dynamic array even where piekit's reader
 * refuses the file: a DT_*ENT other than the class's entry size (piekit, origin and elfldltl stop;
 * glibc asserts), a missing one (glibc dereferences it), a size that is not a whole number of
 * entries (musl and origin never reach the end of the loop), a table that runs off its PT_LOAD.
 */
export function tableHazards(context: FileContext): Hazard[] {
  const hazards: Hazard[] = [];
  for (const table of fileTables(context)) {
    const where = `${table.kind === 'jmprel' ? 'DT_JMPREL' : table.kind.toUpperCase()} table at ${hex(table.vaddr)}`;
    const entryTag = ENTRY_TAG[table.format];
    if (table.kind !== 'jmprel' && table.declaredEntrySize !== undefined && table.declaredEntrySize !== BigInt(table.entrySize)) {
      hazards.push(
        simpleHazard(
          'entry-size',
          'error',
          `${entryTag} = ${table.declaredEntrySize}, but ELF${context.elf.reader.wordSize * 8} entries are ${table.entrySize} bytes (${where})`,
          [hex(table.vaddr)],
        ),
      );
    } else if (table.kind !== 'jmprel' && table.declaredEntrySize === undefined) {
      hazards.push(
        simpleHazard('entry-size-missing', 'warning', `no ${entryTag} for the ${where}: glibc dereferences it unconditionally`, [hex(table.vaddr)]),
      );
    }
    if (table.partial) {
      hazards.push(
        simpleHazard(
          'table-size',
          'error',
          `${SIZE_TAG[table.kind]} = ${table.size} is not a multiple of the ${table.entrySize}-byte entry (${where}): musl's and origin's loops never end, glibc reads past the table`,
          [hex(table.vaddr)],
        ),
      );
    }
    if (table.truncated) {
      hazards.push(
        simpleHazard('table-unmapped', 'error', `the ${where} (${table.size} bytes) runs past the memory its PT_LOAD maps`, [hex(table.vaddr)]),
      );
    }
  }
  return hazards;
}

/**
 * RELR entries no linker emits and some decoders get wrong: a bitmap before any address entry
 * (glibc, musl and origin apply it from the null pointer, elfldltl rejects the table, the seed's
 * decoder reads an uninitialised pointer), an address entry that is not word-aligned, words outside
 * every PT_LOAD, and bitmaps with no bit set (padding lld adds when a table shrinks).
 */
export function relrHazards(context: FileContext, names: Names): Hazard[] {
  const table = fileTables(context).find((candidate) => candidate.kind === 'relr');
  if (table === undefined || table.count === 0) return [];
  const w = context.elf.reader.wordSize;
  const W = BigInt(w);
  const limit = 1n << BigInt(w * 8);
  const leading = new HazardItems();
  const misaligned = new HazardItems();
  const outside = new HazardItems();
  const empty = new HazardItems();
  const bits = new Uint8Array(64);
  let where: bigint | undefined;
  const inLoad = (address: bigint): boolean => {
    const load = context.loaded.loadOf(address);
    return load !== undefined && address + W <= load.vaddr + load.memsz;
  };
  for (let index = 0; index < table.count; index++) {
    const entry = entryAt(table, index, context.elf.reader.little, w);
    const source = `relr#${index}`;
    if ((entry & 1n) === 0n) {
      if (entry % W !== 0n) misaligned.add(() => ({ entry: source, address: hex(entry) }));
      if (!inLoad(entry)) outside.add(() => ({ entry: source, address: hex(entry) }));
      where = entry + W;
      continue;
    }
    if (where === undefined) {
      leading.add(() => ({ entry: source }));
      where = 0n;
    }
    const mask = entry >> 1n;
    if (mask === 0n) empty.add(() => ({ entry: source }));
    // Most bitmaps lie inside one PT_LOAD, below the end of the address space: none of their words is outside.
    const reach = where + BigInt(w * 8 - 1) * W;
    if (reach <= limit && context.loaded.within(where, reach)) {
      where = reach;
      continue;
    }
    const found = setBitIndexes(Number(mask & 0xffffffffn), Number(mask >> 32n), bits);
    for (let i = 0; i < found; i++) {
      const address = BigInt.asUintN(w * 8, where + BigInt(bits[i] as number) * W);
      if (!inLoad(address)) outside.add(() => ({ entry: source, address: hex(address), symbol: names.section(address) ?? '' }));
    }
    where += BigInt(w * 8 - 1) * W;
  }
  const hazards: Hazard[] = [];
  if (leading.count > 0) {
    hazards.push(
      leading.hazard(
        'relr-leading-bitmap',
        'error',
        'the RELR table starts with a bitmap: LLVM and piekit count it from address 0, glibc, musl and origin from the null pointer (a fault), elfldltl rejects the table, the seed reads an uninitialised pointer',
      ),
    );
  }
  if (misaligned.count > 0) {
    hazards.push(
      misaligned.hazard(
        'relr-misaligned',
        'warning',
        `${count(misaligned.count)} RELR address entries are not ${w}-byte aligned: no linker emits them, and strict-alignment architectures fault on the word`,
      ),
    );
  }
  if (outside.count > 0)
    hazards.push(
      outside.hazard('relr-outside', 'error', `${count(outside.count)} RELR words lie outside every PT_LOAD: every relocator faults on them`),
    );
  if (empty.count > 0)
    hazards.push(
      empty.hazard(
        'relr-empty-bitmap',
        'info',
        `${count(empty.count)} RELR bitmaps have no bit set (lld pads a table that shrank between layout passes with them)`,
      ),
    );
  return hazards;
}

function entryAt(table: FileTable, index: number, little: boolean, w: 4 | 8): bigint {
  return w === 8 ? table.view.getBigUint64(index * 8, little) : BigInt(table.view.getUint32(index * 4, little));
}
