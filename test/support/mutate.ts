/**
 * Bad inputs made from real files: a small ELF parser of its own (so that the offsets a test
 * patches do not come from the code under test), field patchers for either class and byte order,
 * and a seeded xorshift mutator whose every mutant can be rebuilt from (seed, index).
 */
import { DT_NULL, DT_REL, DT_RELA, DT_RELASZ, DT_RELR, DT_RELRSZ, DT_RELSZ, PT_DYNAMIC, PT_GNU_STACK, PT_LOAD, PT_NOTE, PT_NULL } from './gabi.js';

// ---------------------------------------------------------------------------------------------
// Field layout by class

export type HeaderField =
  | 'e_type'
  | 'e_machine'
  | 'e_version'
  | 'e_entry'
  | 'e_phoff'
  | 'e_shoff'
  | 'e_flags'
  | 'e_ehsize'
  | 'e_phentsize'
  | 'e_phnum'
  | 'e_shentsize'
  | 'e_shnum'
  | 'e_shstrndx';

export type PhdrField = 'p_type' | 'p_flags' | 'p_offset' | 'p_vaddr' | 'p_paddr' | 'p_filesz' | 'p_memsz' | 'p_align';

/** [offset, size in bytes]; size 0 means "a word" (4 or 8 by class). */
type Place = readonly [number, 0 | 2 | 4];

const HEADER_64: Readonly<Record<HeaderField, Place>> = {
  e_type: [16, 2],
  e_machine: [18, 2],
  e_version: [20, 4],
  e_entry: [24, 0],
  e_phoff: [32, 0],
  e_shoff: [40, 0],
  e_flags: [48, 4],
  e_ehsize: [52, 2],
  e_phentsize: [54, 2],
  e_phnum: [56, 2],
  e_shentsize: [58, 2],
  e_shnum: [60, 2],
  e_shstrndx: [62, 2],
};

const HEADER_32: Readonly<Record<HeaderField, Place>> = {
  e_type: [16, 2],
  e_machine: [18, 2],
  e_version: [20, 4],
  e_entry: [24, 0],
  e_phoff: [28, 0],
  e_shoff: [32, 0],
  e_flags: [36, 4],
  e_ehsize: [40, 2],
  e_phentsize: [42, 2],
  e_phnum: [44, 2],
  e_shentsize: [46, 2],
  e_shnum: [48, 2],
  e_shstrndx: [50, 2],
};

const PHDR_64: Readonly<Record<PhdrField, Place>> = {
  p_type: [0, 4],
  p_flags: [4, 4],
  p_offset: [8, 0],
  p_vaddr: [16, 0],
  p_paddr: [24, 0],
  p_filesz: [32, 0],
  p_memsz: [40, 0],
  p_align: [48, 0],
};

const PHDR_32: Readonly<Record<PhdrField, Place>> = {
  p_type: [0, 4],
  p_offset: [4, 0],
  p_vaddr: [8, 0],
  p_paddr: [12, 0],
  p_filesz: [16, 0],
  p_memsz: [20, 0],
  p_flags: [24, 4],
  p_align: [28, 0],
};

// ---------------------------------------------------------------------------------------------
// An independent reading of the structures a static-PIE relocator uses

export interface Phdr {
  readonly index: number;
  /** File offset of the program header itself. */
  readonly at: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
}

export interface DynEntry {
  readonly index: number;
  /** File offset of the entry. */
  readonly at: number;
  readonly tag: bigint;
  readonly value: bigint;
}

export interface Table {
  readonly kind: 'rel' | 'rela' | 'relr';
  readonly vaddr: bigint;
  readonly size: number;
  readonly entrySize: number;
  readonly fileOffset: number;
}

export interface Shape {
  readonly size: number;
  readonly wordSize: 4 | 8;
  readonly little: boolean;
  readonly machine: number;
  readonly ehsize: number;
  readonly phoff: number;
  readonly phnum: number;
  readonly phentsize: number;
  readonly shoff: number;
  readonly phdrs: readonly Phdr[];
  readonly loads: readonly Phdr[];
  readonly dynamic: Phdr;
  /** File offset of the dynamic array (found through p_vaddr, as the startup code finds it). */
  readonly dynamicOffset: number;
  /** Entries up to and including DT_NULL. */
  readonly dyn: readonly DynEntry[];
  readonly tables: readonly Table[];
}

class Fields {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly wordSize: 4 | 8,
    readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get(at: number, size: 0 | 2 | 4): bigint {
    if (size === 2) return BigInt(this.view.getUint16(at, this.little));
    if (size === 4 || this.wordSize === 4) return BigInt(this.view.getUint32(at, this.little));
    return this.view.getBigUint64(at, this.little);
  }

  set(at: number, size: 0 | 2 | 4, value: bigint): void {
    const bits = size === 0 ? this.wordSize * 8 : size * 8;
    const v = BigInt.asUintN(bits, value);
    if (bits === 16) this.view.setUint16(at, Number(v), this.little);
    else if (bits === 32) this.view.setUint32(at, Number(v), this.little);
    else this.view.setBigUint64(at, v, this.little);
  }
}

function fieldsOf(bytes: Uint8Array): Fields {
  return new Fields(bytes, bytes[4] === 2 ? 8 : 4, bytes[5] !== 2);
}

export function headerPlace(wordSize: 4 | 8, field: HeaderField): Place {
  return (wordSize === 8 ? HEADER_64 : HEADER_32)[field];
}

export function phdrPlace(wordSize: 4 | 8, field: PhdrField): Place {
  return (wordSize === 8 ? PHDR_64 : PHDR_32)[field];
}

/** The file offset of `size` bytes at `vaddr` through the PT_LOAD that backs them, or undefined. */
export function fileOffsetOf(loads: readonly Phdr[], vaddr: bigint, size = 1n): number | undefined {
  for (const load of loads) {
    if (vaddr >= load.vaddr && vaddr + size <= load.vaddr + load.filesz) return Number(load.offset + (vaddr - load.vaddr));
  }
  return undefined;
}

/** Reads a well-formed ET_DYN file's layout; throws a plain Error on anything unexpected (base files only). */
export function shapeOf(bytes: Uint8Array): Shape {
  const f = fieldsOf(bytes);
  const w = f.wordSize;
  const header = (field: HeaderField): bigint => f.get(...headerPlace(w, field));
  const phoff = Number(header('e_phoff'));
  const phnum = Number(header('e_phnum'));
  const phentsize = Number(header('e_phentsize'));
  const phdrs: Phdr[] = [];
  for (let index = 0; index < phnum; index++) {
    const at = phoff + index * phentsize;
    const field = (name: PhdrField): bigint => {
      const [offset, size] = phdrPlace(w, name);
      return f.get(at + offset, size);
    };
    phdrs.push({
      index,
      at,
      type: Number(field('p_type')),
      flags: Number(field('p_flags')),
      offset: field('p_offset'),
      vaddr: field('p_vaddr'),
      filesz: field('p_filesz'),
      memsz: field('p_memsz'),
    });
  }
  const loads = phdrs.filter((phdr) => phdr.type === PT_LOAD);
  const dynamic = phdrs.find((phdr) => phdr.type === PT_DYNAMIC);
  if (dynamic === undefined) throw new Error('base file has no PT_DYNAMIC');
  const dynamicOffset = fileOffsetOf(loads, dynamic.vaddr, dynamic.filesz);
  if (dynamicOffset === undefined) throw new Error('base file has its dynamic section outside its PT_LOADs');
  const dyn: DynEntry[] = [];
  for (let index = 0; ; index++) {
    const at = dynamicOffset + index * 2 * w;
    const tag = BigInt.asIntN(w * 8, f.get(at, 0));
    dyn.push({ index, at, tag, value: f.get(at + w, 0) });
    if (tag === DT_NULL) break;
  }
  const lastValue = (tag: bigint): bigint | undefined => dyn.filter((entry) => entry.tag === tag).at(-1)?.value;
  const tables: Table[] = [];
  for (const [kind, address, size, words] of [
    ['rel', DT_REL, DT_RELSZ, 2],
    ['rela', DT_RELA, DT_RELASZ, 3],
    ['relr', DT_RELR, DT_RELRSZ, 1],
  ] as const) {
    const vaddr = lastValue(address);
    if (vaddr === undefined || vaddr === 0n) continue;
    const bytesLong = lastValue(size) ?? 0n;
    const fileOffset = fileOffsetOf(loads, vaddr, bytesLong);
    if (fileOffset === undefined) throw new Error(`base file has its ${kind} table outside its PT_LOADs`);
    tables.push({ kind, vaddr, size: Number(bytesLong), entrySize: words * w, fileOffset });
  }
  return {
    size: bytes.length,
    wordSize: w,
    little: f.little,
    machine: Number(header('e_machine')),
    ehsize: Number(header('e_ehsize')),
    phoff,
    phnum,
    phentsize,
    shoff: Number(header('e_shoff')),
    phdrs,
    loads,
    dynamic,
    dynamicOffset,
    dyn,
    tables,
  };
}

// ---------------------------------------------------------------------------------------------
// Patching a copy

/** A copy of a base file with typed setters for the fields a test corrupts. */
export class Patch {
  bytes: Uint8Array;
  private fields: Fields;

  constructor(
    base: Uint8Array,
    readonly shape: Shape,
  ) {
    this.bytes = base.slice();
    this.fields = new Fields(this.bytes, shape.wordSize, shape.little);
  }

  u8(at: number, value: number): this {
    this.bytes[at] = value & 0xff;
    return this;
  }

  word(at: number, value: bigint): this {
    this.fields.set(at, 0, value);
    return this;
  }

  header(field: HeaderField, value: bigint | number): this {
    this.fields.set(...headerPlace(this.shape.wordSize, field), BigInt(value));
    return this;
  }

  phdr(index: number, field: PhdrField, value: bigint | number): this {
    const [offset, size] = phdrPlace(this.shape.wordSize, field);
    this.fields.set(this.shape.phoff + index * this.shape.phentsize + offset, size, BigInt(value));
    return this;
  }

  /** Sets d_val of the last entry with this tag (the one the relocator keeps). */
  dynValue(tag: bigint, value: bigint): this {
    const entry = this.shape.dyn.filter((candidate) => candidate.tag === tag).at(-1);
    if (entry === undefined) throw new Error(`base file has no dynamic tag ${tag}`);
    this.fields.set(entry.at + this.shape.wordSize, 0, value);
    return this;
  }

  dynTag(index: number, tag: bigint): this {
    const entry = this.shape.dyn[index];
    if (entry === undefined) throw new Error(`no dynamic entry ${index}`);
    this.fields.set(entry.at, 0, tag);
    return this;
  }

  /** Field `word` (0: r_offset, 1: r_info, 2: r_addend) of entry `index` of a table. */
  entry(table: Table, index: number, word: 0 | 1 | 2, value: bigint): this {
    this.fields.set(table.fileOffset + index * table.entrySize + word * this.shape.wordSize, 0, value);
    return this;
  }

  readEntry(table: Table, index: number, word: 0 | 1 | 2): bigint {
    return this.fields.get(table.fileOffset + index * table.entrySize + word * this.shape.wordSize, 0);
  }

  /** No section headers: a static-PIE needs none, and a truncated file no longer holds them. */
  stripSections(): this {
    return this.header('e_shoff', 0).header('e_shnum', 0).header('e_shstrndx', 0);
  }

  /** Appends bytes at the next multiple of `align`; returns their file offset. */
  append(data: Uint8Array, align = 0x1000): number {
    const at = Math.ceil(this.bytes.length / align) * align;
    const grown = new Uint8Array(at + data.length);
    grown.set(this.bytes);
    grown.set(data, at);
    this.bytes = grown;
    this.fields = new Fields(this.bytes, this.shape.wordSize, this.shape.little);
    return at;
  }

  truncate(length: number): Uint8Array {
    return this.bytes.slice(0, length);
  }
}

/** A program header a relocator ignores (PT_GNU_STACK, PT_NOTE), to be turned into something else. */
export function spareHeader(shape: Shape): Phdr {
  const spare = shape.phdrs.find((phdr) => phdr.type === PT_GNU_STACK) ?? shape.phdrs.find((phdr) => phdr.type === PT_NOTE);
  if (spare === undefined) throw new Error('base file has no PT_GNU_STACK or PT_NOTE to repurpose');
  return spare;
}

/** The end of the highest PT_LOAD, rounded up to a page. */
export function imageEnd(shape: Shape, page = 0x10000n): bigint {
  const end = shape.loads.reduce((highest, load) => (load.vaddr + load.memsz > highest ? load.vaddr + load.memsz : highest), 0n);
  return ((end + page - 1n) / page) * page;
}

/**
 * Moves a relocation table to the end of the file, behind a new PT_LOAD made of a spare program
 * header, and points the table's dynamic tag at it. Section headers are dropped. The result plans
 * exactly as the original does; truncating it cuts the table and nothing the relocator reads first.
 */
export function withTableAtEnd(base: Uint8Array, shape: Shape, kind: Table['kind']): { patch: Patch; table: Table } {
  const old = shape.tables.find((table) => table.kind === kind);
  if (old === undefined) throw new Error(`base file has no ${kind} table`);
  const patch = new Patch(base, shape).stripSections();
  const offset = patch.append(base.subarray(old.fileOffset, old.fileOffset + old.size));
  const vaddr = imageEnd(shape) + BigInt(offset % 0x1000);
  const spare = spareHeader(shape);
  patch
    .phdr(spare.index, 'p_type', PT_LOAD)
    .phdr(spare.index, 'p_flags', 4)
    .phdr(spare.index, 'p_offset', offset)
    .phdr(spare.index, 'p_vaddr', vaddr)
    .phdr(spare.index, 'p_paddr', vaddr)
    .phdr(spare.index, 'p_filesz', old.size)
    .phdr(spare.index, 'p_memsz', old.size)
    .phdr(spare.index, 'p_align', 0x1000)
    .dynValue(kind === 'rel' ? DT_REL : kind === 'rela' ? DT_RELA : DT_RELR, vaddr);
  return { patch, table: { ...old, vaddr, fileOffset: offset } };
}

// ---------------------------------------------------------------------------------------------
// Seeded mutation

/** Marsaglia's xorshift32: small, fast, and the same sequence on every machine. */
export class Xorshift {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

export interface Region {
  readonly name: string;
  readonly start: number;
  readonly size: number;
}

/** Where the fields a relocator reads live: ELF header, program headers, dynamic array, tables. */
export function regionsOf(shape: Shape): Region[] {
  const regions: Region[] = [
    { name: 'header', start: 0, size: shape.ehsize },
    { name: 'program headers', start: shape.phoff, size: shape.phnum * shape.phentsize },
    { name: 'dynamic', start: shape.dynamicOffset, size: shape.dyn.length * 2 * shape.wordSize },
    ...shape.tables.map((table) => ({ name: `${table.kind} table`, start: table.fileOffset, size: Math.min(table.size, 4096) })),
  ];
  return regions.filter((region) => region.size > 0 && region.start + region.size <= shape.size);
}

export interface Mutant {
  readonly bytes: Uint8Array;
  /** What was done, for the failure message. */
  readonly edits: readonly string[];
}

/**
 * Mutant `index` of a base file under `seed`: 1 to 4 edits in the regions that matter (bit flips,
 * random bytes, boundary values written over 16-bit, 32-bit and word-sized fields), and now and
 * then a truncation. Depends only on (seed, index, base), so any mutant can be rebuilt alone.
 */
export function mutant(base: Uint8Array, shape: Shape, regions: readonly Region[], seed: number, index: number): Mutant {
  const random = new Xorshift((Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  for (let warm = 0; warm < 4; warm++) random.next();
  const bytes = base.slice();
  const fields = new Fields(bytes, shape.wordSize, shape.little);
  const w = shape.wordSize;
  const size = BigInt(bytes.length);
  const boundaries = [0n, 1n, 0x7fffffffn, 0xffffffffn, 1n << 63n, size - 1n, size, (1n << 64n) - 1n, 2n, 0x80000000n, 8n, 24n];
  const edits: string[] = [];
  const count = 1 + random.below(4);
  for (let edit = 0; edit < count; edit++) {
    const region = random.pick(regions);
    const at = region.start + random.below(region.size);
    switch (random.below(5)) {
      case 0: {
        const bit = random.below(8);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
        edits.push(`flip bit ${bit} of byte ${at} (${region.name})`);
        break;
      }
      case 1: {
        const value = random.below(256);
        bytes[at] = value;
        edits.push(`byte ${at} (${region.name}) = ${value}`);
        break;
      }
      default: {
        const width = random.pick([2, 4, 0] as const);
        const step = width === 0 ? w : width;
        const aligned = at - (at % step);
        if (aligned + step > bytes.length) break;
        const near = BigInt(aligned);
        const value = random.chance(0.8) ? random.pick(boundaries) : random.pick([near, near + 1n, size - BigInt(w)]);
        fields.set(aligned, width, value);
        edits.push(`${step * 8}-bit field at ${aligned} (${region.name}) = 0x${BigInt.asUintN(step * 8, value).toString(16)}`);
      }
    }
  }
  if (random.chance(0.05)) {
    const length = random.below(bytes.length);
    edits.push(`truncated to ${length} bytes`);
    return { bytes: bytes.slice(0, length), edits };
  }
  return { bytes, edits };
}

/**
 * Mutant `index` of a base file under `seed`, aimed at the fields a relocator interprets rather
 * than at random bytes: dynamic tags and values (table addresses, sizes and entry sizes at their
 * boundaries, duplicates, negative tags), RELR words (an address turned into a bitmap and back,
 * moved by a word, all bits set), r_offset/r_info/r_addend of real entries, and program header
 * fields set relative to the other segments. Depends only on (seed, index, base).
 */
export function structuredMutant(base: Uint8Array, shape: Shape, seed: number, index: number): Mutant {
  const random = new Xorshift((Math.imul(seed ^ 0x27d4eb2d, 0x01000193) + Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  for (let warm = 0; warm < 4; warm++) random.next();
  const patch = new Patch(base, shape);
  const w = BigInt(shape.wordSize);
  const size = BigInt(base.length);
  const top = (1n << (w * 8n)) - 1n;
  const boundaries = [0n, 1n, w, w - 1n, 2n * w, top, top - w + 1n, 1n << (w * 8n - 1n), size, size - w];
  const around = (value: bigint): bigint => random.pick([value, value + w, value - w, value + 1n, value - 1n, value * 2n, value + 0x1000n]);
  const edits: string[] = [];
  const count = 1 + random.below(3);
  for (let edit = 0; edit < count; edit++) {
    const table = shape.tables.length > 0 ? random.pick(shape.tables) : undefined;
    switch (random.below(table === undefined ? 3 : 5)) {
      case 0: {
        const entry = random.pick(shape.dyn);
        const tags = [
          DT_NULL,
          DT_REL,
          DT_RELSZ,
          DT_RELA,
          DT_RELASZ,
          DT_RELR,
          DT_RELRSZ,
          9n,
          19n,
          37n,
          3n,
          0x7000000an,
          -1n,
          38n,
          1n << (w * 8n - 1n),
        ];
        if (random.chance(0.4)) {
          const tag = random.pick(tags);
          patch.dynTag(entry.index, tag);
          edits.push(`dynamic entry ${entry.index}: d_tag = ${tag}`);
        } else {
          const value = random.chance(0.5) ? around(entry.value) : random.pick(boundaries);
          patch.word(entry.at + shape.wordSize, value);
          edits.push(`dynamic entry ${entry.index} (tag ${entry.tag}): d_val = 0x${BigInt.asUintN(Number(w) * 8, value).toString(16)}`);
        }
        break;
      }
      case 1: {
        const phdr = random.pick(shape.phdrs);
        const field = random.pick(['p_offset', 'p_vaddr', 'p_filesz', 'p_memsz', 'p_type', 'p_flags'] as const);
        const other = random.pick(shape.loads);
        const value =
          field === 'p_type'
            ? BigInt(random.pick([PT_NULL, PT_LOAD, PT_DYNAMIC, PT_NOTE]))
            : field === 'p_flags'
              ? BigInt(random.below(8))
              : random.pick([
                  around(phdr[field === 'p_offset' ? 'offset' : field === 'p_vaddr' ? 'vaddr' : field === 'p_filesz' ? 'filesz' : 'memsz']),
                  other.vaddr,
                  other.vaddr + other.memsz,
                  ...boundaries,
                ]);
        patch.phdr(phdr.index, field, value);
        edits.push(`program header ${phdr.index}: ${field} = 0x${BigInt.asUintN(64, value).toString(16)}`);
        break;
      }
      case 2: {
        const field = random.pick(['e_phnum', 'e_phoff', 'e_phentsize', 'e_type', 'e_entry'] as const);
        const value = random.pick([0n, 1n, BigInt(shape.phnum + 1), BigInt(shape.phnum - 1), 0xffffn, size, ...boundaries]);
        patch.header(field, value);
        edits.push(`${field} = 0x${BigInt.asUintN(64, value).toString(16)}`);
        break;
      }
      default: {
        const t = table as Table;
        const entries = Math.max(1, Math.floor(t.size / t.entrySize));
        const entry = random.below(entries);
        const word = t.kind === 'relr' ? 0 : random.below(t.kind === 'rela' ? 3 : 2);
        const at = t.fileOffset + entry * t.entrySize + word * shape.wordSize;
        if (at + shape.wordSize > base.length) break;
        const old = patch.readEntry(t, entry, word as 0 | 1 | 2);
        const value =
          t.kind === 'relr'
            ? random.pick([old ^ 1n, old + w, old - w, top, ((top >> 1n) << 1n) | 1n, 1n, old + (w * 8n - 1n) * w])
            : word === 1
              ? random.pick([old & 0xffn, old | (1n << 8n), old | (1n << 32n), old ^ 1n, 0n, random.pick(boundaries)])
              : random.chance(0.5)
                ? around(old)
                : random.pick(boundaries);
        patch.entry(t, entry, word as 0 | 1 | 2, value);
        edits.push(`${t.kind}#${entry} word ${word} = 0x${BigInt.asUintN(Number(w) * 8, value).toString(16)}`);
      }
    }
  }
  return { bytes: patch.bytes, edits };
}
