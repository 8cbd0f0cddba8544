/**
 * Bad input is refused with one ElfError whose code says what is wrong and whose message names
 * the field and the offending value (README, "Errors"). Every bad file is a real ET_DYN file of
 * this machine with one field patched or its tail cut off; then thousands of seeded mutants must
 * either plan and apply or be refused with an ElfError, never anything else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { apply, ElfError, type ElfErrorCode, finalWrites, imageFor, pack, plan, readElf } from 'piekit';
import { buildProgram } from 'piekit/toolchain';
import { beforeEach, describe, expect, it } from 'vitest';
import { requireFile } from './support/environment.js';
import { DT_RELA, DT_RELAENT, DT_RELASZ, DT_RELR, DT_RELRENT, DT_RELRSZ, knownTypes, PT_LOAD, PT_NULL } from './support/gabi.js';
import { imageEnd, mutant, Patch, regionsOf, type Shape, shapeOf, spareHeader, type Table, withTableAtEnd } from './support/mutate.js';
import { scratchDirectory } from './support/scratch.js';

const BASE_64 = 0x7f0000000000n;
const BASE_32 = 0x40000000n;

const scratch = scratchDirectory('bad-input');

const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

/** readElf + plan + apply at a fixed base: what the CLI does with a file. */
function relocateAll(bytes: Uint8Array) {
  const elf = readElf(bytes);
  const planned = plan(elf);
  const image = imageFor(planned);
  const base = elf.reader.wordSize === 8 ? BASE_64 : BASE_32;
  apply(planned, image, base);
  return finalWrites(planned, image, base);
}

/** The ElfError the file is refused with; anything else (acceptance included) fails the test. */
function rejection(bytes: Uint8Array): ElfError {
  try {
    relocateAll(bytes);
  } catch (error) {
    if (error instanceof ElfError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

/** Refused with `code`, and the message contains every one of `mentions` (the field and the value). */
function expectRefused(bytes: Uint8Array, code: ElfErrorCode, ...mentions: string[]): ElfError {
  const error = rejection(bytes);
  expect(`${error.code}: ${error.message}`).toMatch(new RegExp(`^${code}: `));
  for (const mention of mentions) expect(error.message).toContain(mention);
  return error;
}

/** A base file with a RELR table: the base itself, or the base packed by piekit. */
interface RelrBase {
  readonly bytes: Uint8Array;
  readonly shape: Shape;
  patch(): Patch;
  readonly original: ReturnType<typeof relocateAll>;
}

interface Base {
  readonly name: string;
  readonly path: string;
  /** The Debian package scripts/setup installs it with. */
  readonly package: string;
  readonly arch: string;
}

// Real ET_DYN files of this machine: the host's own, and the cross libcs scripts/setup installs
// with the m68k, sparc64 and arc compilers (ELF32 LE, ELF32 BE, ELF64 BE).
const BASES: readonly Base[] = [
  { name: 'x86_64 libc.so.6 (ELF64 LE, RELA + RELR)', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', package: 'libc6', arch: 'x86_64' },
  { name: 'x86_64 PIE /usr/bin/ls (ELF64 LE, RELA)', path: '/usr/bin/ls', package: 'coreutils', arch: 'x86_64' },
  { name: 'arc libc.so.6 (ELF32 LE)', path: '/usr/arc-linux-gnu/lib/libc.so.6', package: 'libc6-arc-cross', arch: 'arc' },
  { name: 'm68k libc.so.6 (ELF32 BE)', path: '/usr/m68k-linux-gnu/lib/libc.so.6', package: 'libc6-m68k-cross', arch: 'm68k' },
  { name: 'sparc64 libc.so.6 (ELF64 BE)', path: '/usr/sparc64-linux-gnu/lib/libc.so.6', package: 'libc6-sparc64-cross', arch: 'sparc64' },
];

function tableOf(shape: Shape, kind: Table['kind']): Table {
  const table = shape.tables.find((candidate) => candidate.kind === kind);
  if (table === undefined) throw new Error(`no ${kind} table`);
  return table;
}

/** The PT_LOAD that holds the dynamic array. */
function dynamicLoad(shape: Shape) {
  const load = shape.loads.find((candidate) => shape.dynamic.vaddr >= candidate.vaddr && shape.dynamic.vaddr < candidate.vaddr + candidate.memsz);
  if (load === undefined) throw new Error('no PT_LOAD holds PT_DYNAMIC');
  return load;
}

/** Index of a relative RELA entry: the first one, or entry 0 made relative when the table has none. */
function relativeRela(patch: Patch): number {
  const table = tableOf(patch.shape, 'rela');
  // Symbol 0, so the type is the whole r_info; MIPS bases are not used here.
  const type = knownTypes(patch.shape.machine, patch.shape.wordSize).relative.type;
  for (let index = 0; index < table.size / table.entrySize; index++) {
    if (patch.readEntry(table, index, 1) === BigInt(type)) return index;
  }
  patch.entry(table, 0, 1, BigInt(type));
  return 0;
}

for (const base of BASES) {
  describe(`bad input made from ${base.name}`, () => {
    beforeEach((context) => requireFile(context, base.path, base.package));
    const bytes = existsSync(base.path) ? new Uint8Array(readFileSync(base.path)) : new Uint8Array();
    const shape = existsSync(base.path) ? shapeOf(bytes) : (undefined as unknown as Shape);
    const patch = (): Patch => new Patch(bytes, shape);
    const w = shape?.wordSize ?? 8;
    const bits = w * 8;
    // GNU ld packs no RELR for m68k, sparc64 or arc (and pack refuses sparc64's libc, whose
    // DT_RELASZ covers its PLT relocations): there the cases about RELR take the architecture's
    // `tables` sample, built here and packed by piekit, so that they run on every base.
    let relrBase: RelrBase | undefined;
    const withRelr = async (): Promise<RelrBase> => {
      if (relrBase !== undefined) return relrBase;
      let relrBytes: Uint8Array = bytes;
      if (!shape.tables.some((table) => table.kind === 'relr')) {
        const sample = scratch.at(`tables-${base.arch}`);
        await buildProgram({ sources: ['samples/tables.c'], arch: base.arch, relr: false, dump: true, output: sample });
        relrBytes = pack(readElf(new Uint8Array(readFileSync(sample)))).output.toBytes();
      }
      const relrShape = shapeOf(relrBytes);
      relrBase = { bytes: relrBytes, shape: relrShape, patch: () => new Patch(relrBytes, relrShape), original: relocateAll(relrBytes) };
      return relrBase;
    };
    const itWithRelr = (name: string, test: (relr: RelrBase) => void): void => {
      it(name, { timeout: 120_000 }, async () => test(await withRelr()));
    };
    const headerSize = w === 8 ? 64 : 52;
    const relaEntry = 3 * w;
    const original = existsSync(base.path) ? relocateAll(bytes) : [];

    it('is accepted unmodified (the base of every case below)', () => {
      expect(original.length).toBeGreaterThan(0);
      expect(shape.tables.some((table) => table.kind === 'rela')).toBe(true);
    });

    describe('truncated', () => {
      it.each([0, 4, 8, 15])('to %i bytes: e_ident is TRUNCATED', (length) => {
        expectRefused(bytes.slice(0, length), 'TRUNCATED', 'e_ident', `the file has ${length}`);
      });

      it('to 16 bytes (e_ident only): the ELF header is TRUNCATED', () => {
        expectRefused(bytes.slice(0, 16), 'TRUNCATED', 'header', `${headerSize} bytes at offset 0x0`, 'the 16-byte file');
      });

      it('inside the ELF header: TRUNCATED', () => {
        const length = headerSize - 9;
        expectRefused(bytes.slice(0, length), 'TRUNCATED', 'header', `${headerSize} bytes`, `the ${length}-byte file`);
      });

      it('right after the ELF header (where the program headers start): TRUNCATED', () => {
        expect(shape.phoff).toBe(headerSize);
        const size = shape.phnum * shape.phentsize;
        expectRefused(bytes.slice(0, headerSize), 'TRUNCATED', `e_phoff = ${hex(shape.phoff)}`, `${size} bytes`, `the ${headerSize}-byte file`);
      });

      it('inside the program headers: TRUNCATED', () => {
        const length = shape.phoff + shape.phentsize + 7;
        expectRefused(
          bytes.slice(0, length),
          'TRUNCATED',
          'program headers',
          `e_phoff = ${hex(shape.phoff)}`,
          `${shape.phnum} entries`,
          `the ${length}-byte file`,
        );
      });

      it('right after the program headers: the section headers are OUT_OF_BOUNDS', () => {
        const length = shape.phoff + shape.phnum * shape.phentsize;
        expectRefused(bytes.slice(0, length), 'OUT_OF_BOUNDS', 'section headers', `e_shoff = ${hex(shape.shoff)}`, `the ${length}-byte file`);
      });

      it('inside PT_DYNAMIC (no section headers): TRUNCATED', () => {
        const length = shape.dynamicOffset + 2 * 2 * w + 3;
        const cut = patch().stripSections().truncate(length);
        expectRefused(cut, 'TRUNCATED', 'dynamic section', hex(shape.dynamicOffset), `the ${length}-byte file`);
      });

      it('before PT_DYNAMIC (no section headers): the dynamic section is OUT_OF_BOUNDS', () => {
        const length = shape.dynamicOffset - 0x40;
        const cut = patch().stripSections().truncate(length);
        expectRefused(cut, 'OUT_OF_BOUNDS', 'dynamic section', hex(shape.dynamicOffset), `the ${length}-byte file`);
      });

      it('inside the RELA table (moved to the end of the file): TRUNCATED', () => {
        const { patch: moved, table } = withTableAtEnd(bytes, shape, 'rela');
        // Whole, the moved table plans exactly as the original one.
        expect(relocateAll(moved.bytes)).toEqual(original);
        const length = table.fileOffset + relaEntry + 5;
        expectRefused(
          moved.truncate(length),
          'TRUNCATED',
          `DT_RELA = ${hex(table.vaddr)}`,
          `DT_RELASZ = ${table.size}`,
          `offset ${hex(table.fileOffset)}`,
          `the ${length}-byte file`,
        );
      });

      itWithRelr('inside the RELR table (moved to the end of the file): TRUNCATED', (relr) => {
        const { patch: moved, table } = withTableAtEnd(relr.bytes, relr.shape, 'relr');
        expect(relocateAll(moved.bytes)).toEqual(relr.original);
        const length = table.fileOffset + w + 3;
        expectRefused(moved.truncate(length), 'TRUNCATED', `DT_RELR = ${hex(table.vaddr)}`, `DT_RELRSZ = ${table.size}`, `the ${length}-byte file`);
      });
    });

    describe('ELF header', () => {
      it('e_phoff past the end of the file: OUT_OF_BOUNDS', () => {
        const phoff = BigInt(shape.size + 0x100);
        expectRefused(patch().header('e_phoff', phoff).bytes, 'OUT_OF_BOUNDS', `e_phoff = ${hex(phoff)}`, `${shape.size}-byte file`);
      });

      it('e_phoff = the largest offset: OUT_OF_BOUNDS', () => {
        const phoff = (1n << BigInt(bits)) - 1n;
        expectRefused(patch().header('e_phoff', phoff).bytes, 'OUT_OF_BOUNDS', `e_phoff = ${hex(phoff)}`);
      });

      it('e_phoff on the last byte: the program headers are TRUNCATED', () => {
        const phoff = BigInt(shape.size - 1);
        expectRefused(patch().header('e_phoff', phoff).bytes, 'TRUNCATED', `e_phoff = ${hex(phoff)}`, `${shape.size}-byte file`);
      });

      it('a huge e_phnum * e_phentsize: TRUNCATED', () => {
        const phnum = 0xfffe;
        expect(shape.phoff + phnum * shape.phentsize).toBeGreaterThan(shape.size);
        expectRefused(patch().header('e_phnum', phnum).bytes, 'TRUNCATED', `${phnum} entries`, `${phnum * shape.phentsize} bytes`);
      });

      it('e_phnum = PN_XNUM with section 0 holding 0xffffffff program headers: TRUNCATED', () => {
        const shInfo = shape.shoff + (w === 8 ? 44 : 28);
        const bad = patch().header('e_phnum', 0xffff);
        new DataView(bad.bytes.buffer).setUint32(shInfo, 0xffffffff, shape.little);
        expectRefused(bad.bytes, 'TRUNCATED', '4294967295 entries', `${0xffffffff * shape.phentsize} bytes`);
      });

      it('e_phnum = PN_XNUM without section headers: OUT_OF_BOUNDS', () => {
        expectRefused(patch().header('e_phnum', 0xffff).header('e_shoff', 0).bytes, 'OUT_OF_BOUNDS', 'e_phnum = 0xffff', 'e_shoff = 0');
      });

      it.each([0, 1, 32, 56, 64].filter((size) => size !== (w === 8 ? 56 : 32)))('e_phentsize = %i: BAD_ENTRY_SIZE', (phentsize) => {
        expectRefused(
          patch().header('e_phentsize', phentsize).bytes,
          'BAD_ENTRY_SIZE',
          `e_phentsize = ${phentsize}`,
          `ELF${bits} needs ${shape.phentsize}`,
        );
      });

      it('a wrong e_shentsize: BAD_ENTRY_SIZE', () => {
        expectRefused(patch().header('e_shentsize', 7).bytes, 'BAD_ENTRY_SIZE', 'e_shentsize = 7');
      });

      it.each([
        [2, 'e_type = ET_EXEC (2)'],
        [1, 'e_type = 1'],
        [4, 'e_type = 4'],
        [0xfe00, `e_type = ${0xfe00}`],
      ])('e_type = %i: NOT_PIE', (type, mention) => {
        expectRefused(patch().header('e_type', type).bytes, 'NOT_PIE', mention);
      });

      it.each([
        [0, 0x00, '00 45 4c 46'],
        [1, 0x46, '7f 46 4c 46'],
        [3, 0x47, '7f 45 4c 47'],
      ])('magic byte %i = %i: BAD_MAGIC', (at, value, found) => {
        expectRefused(patch().u8(at, value).bytes, 'BAD_MAGIC', `found ${found}`);
      });

      it.each([0, 3, 0xff])('EI_CLASS = %i: BAD_CLASS', (value) => {
        expectRefused(patch().u8(4, value).bytes, 'BAD_CLASS', `EI_CLASS = ${value}`);
      });

      it.each([0, 3, 0xff])('EI_DATA = %i: BAD_BYTE_ORDER', (value) => {
        expectRefused(patch().u8(5, value).bytes, 'BAD_BYTE_ORDER', `EI_DATA = ${value}`);
      });

      it.each([0, 2])('EI_VERSION = %i: BAD_VERSION', (value) => {
        expectRefused(patch().u8(6, value).bytes, 'BAD_VERSION', `EI_VERSION = ${value}`);
      });

      it.each([0, 2, 0x01000000])('e_version = %i: BAD_VERSION', (value) => {
        expectRefused(patch().header('e_version', value).bytes, 'BAD_VERSION', `e_version = ${value}`);
      });

      it.each([0, 9999, 0xffff])('e_machine = %i: UNSUPPORTED_MACHINE', (machine) => {
        expectRefused(patch().header('e_machine', machine).bytes, 'UNSUPPORTED_MACHINE', `e_machine = ${machine}`, `ELF${bits}`);
      });

      it('an e_machine of another class (x86 as ELF64, x86_64 as ELF32): UNSUPPORTED_MACHINE', () => {
        const machine = w === 8 ? 3 : 62;
        expectRefused(patch().header('e_machine', machine).bytes, 'UNSUPPORTED_MACHINE', `e_machine = ${machine}`, `ELF${bits}`);
      });
    });

    describe('program headers', () => {
      const spare = shape === undefined ? undefined : spareHeader(shape);
      /** A new PT_LOAD above the image, made of a program header the relocator ignores. */
      const newLoad = (offset: bigint, filesz: bigint, memsz: bigint, vaddr = imageEnd(shape)): Patch =>
        patch()
          .phdr(spare?.index ?? 0, 'p_type', PT_LOAD)
          .phdr(spare?.index ?? 0, 'p_flags', 4)
          .phdr(spare?.index ?? 0, 'p_offset', offset)
          .phdr(spare?.index ?? 0, 'p_vaddr', vaddr)
          .phdr(spare?.index ?? 0, 'p_filesz', filesz)
          .phdr(spare?.index ?? 0, 'p_memsz', memsz)
          .phdr(spare?.index ?? 0, 'p_align', 0x1000);

      it('a PT_LOAD whose p_offset + p_filesz runs past the end: TRUNCATED', () => {
        const offset = BigInt(shape.size - 0x10);
        expectRefused(newLoad(offset, 0x100n, 0x100n).bytes, 'TRUNCATED', `PT_LOAD ${spare?.index}`, `p_offset = ${hex(offset)}`, 'p_filesz = 0x100');
      });

      it('a PT_LOAD whose p_offset is past the end: OUT_OF_BOUNDS', () => {
        const offset = BigInt(shape.size + 0x1000);
        expectRefused(newLoad(offset, 0x100n, 0x100n).bytes, 'OUT_OF_BOUNDS', `PT_LOAD ${spare?.index}`, `p_offset = ${hex(offset)}`);
      });

      it('a PT_LOAD whose p_filesz is huge: TRUNCATED', () => {
        const filesz = (1n << BigInt(bits - 1)) - 1n;
        expectRefused(newLoad(0n, filesz, filesz).bytes, 'TRUNCATED', `PT_LOAD ${spare?.index}`, `p_filesz = ${hex(filesz)}`);
      });

      it('a new PT_LOAD with p_filesz > p_memsz: BAD_SEGMENT', () => {
        expectRefused(newLoad(0n, 0x200n, 0x100n).bytes, 'BAD_SEGMENT', `PT_LOAD ${spare?.index}`, 'p_filesz = 0x200', 'p_memsz = 0x100');
      });

      it("the first file-backed PT_LOAD's p_memsz shrunk below p_filesz: BAD_SEGMENT", () => {
        const load = shape.loads.find((candidate) => candidate.filesz > 0n && candidate !== dynamicLoad(shape));
        if (load === undefined) throw new Error('no PT_LOAD besides the dynamic one');
        const memsz = load.filesz - 1n;
        expectRefused(
          patch().phdr(load.index, 'p_memsz', memsz).bytes,
          'BAD_SEGMENT',
          `PT_LOAD ${load.index}`,
          `p_filesz = ${hex(load.filesz)}`,
          `p_memsz = ${hex(memsz)}`,
        );
      });

      it('a PT_LOAD past the end of the address space: BAD_SEGMENT', () => {
        const vaddr = (1n << BigInt(bits)) - 0x1000n;
        expectRefused(newLoad(0n, 0n, 0x2000n, vaddr).bytes, 'BAD_SEGMENT', `PT_LOAD ${spare?.index} (p_vaddr = ${hex(vaddr)})`, 'p_memsz = 0x2000');
      });

      it('overlapping PT_LOADs: BAD_SEGMENT', () => {
        const load = dynamicLoad(shape);
        expectRefused(newLoad(0n, 0n, 0x100n, load.vaddr).bytes, 'BAD_SEGMENT', `PT_LOAD ${spare?.index}`, `overlaps PT_LOAD ${load.index}`);
      });

      it('PT_LOADs spanning more than 1 GiB: IMAGE_TOO_LARGE', () => {
        const vaddr = imageEnd(shape) + 0x80000000n;
        const lowest = shape.loads.reduce((low, load) => (load.vaddr < low ? load.vaddr : low), vaddr);
        expectRefused(newLoad(0n, 0n, 0x1000n, vaddr).bytes, 'IMAGE_TOO_LARGE', hex(vaddr + 0x1000n - lowest));
      });

      it('no PT_DYNAMIC (its p_type cleared): NO_DYNAMIC', () => {
        expectRefused(patch().phdr(shape.dynamic.index, 'p_type', PT_NULL).bytes, 'NO_DYNAMIC', 'PT_DYNAMIC');
      });

      it("PT_DYNAMIC's p_vaddr outside every PT_LOAD: UNMAPPED_ADDRESS", () => {
        const vaddr = imageEnd(shape) + 0x100000n;
        expectRefused(patch().phdr(shape.dynamic.index, 'p_vaddr', vaddr).bytes, 'UNMAPPED_ADDRESS', 'PT_DYNAMIC', `p_vaddr = ${hex(vaddr)}`);
      });

      it("PT_DYNAMIC's p_offset and p_filesz are not what the relocator reads: it finds _DYNAMIC at p_vaddr", () => {
        // Documented (elf/dynamic.ts, README "The algorithm"): startup code reaches _DYNAMIC in memory.
        const bad = patch()
          .phdr(shape.dynamic.index, 'p_offset', BigInt(shape.size + 0x1000))
          .phdr(shape.dynamic.index, 'p_filesz', (1n << BigInt(bits - 1)) - 1n);
        expect(relocateAll(bad.bytes)).toEqual(original);
      });
    });

    describe('dynamic section', () => {
      it('DT_RELAENT wrong: BAD_ENTRY_SIZE, in the words of the README', () => {
        const wrong = w === 8 ? 16 : 24;
        const error = expectRefused(patch().dynValue(DT_RELAENT, BigInt(wrong)).bytes, 'BAD_ENTRY_SIZE');
        expect(error.message).toBe(`Invalid ELF DT_RELAENT: ${wrong}, ELF${bits} entries are ${relaEntry} bytes`);
      });

      it.each([0n, 1n, 8n, 0xffffffffn])('DT_RELAENT = %i: BAD_ENTRY_SIZE', (value) => {
        expectRefused(patch().dynValue(DT_RELAENT, value).bytes, 'BAD_ENTRY_SIZE', `DT_RELAENT: ${value}`);
      });

      it('DT_RELASZ not a multiple of the entry size: BAD_TABLE_SIZE', () => {
        const rela = tableOf(shape, 'rela');
        for (const size of [rela.size + 1, rela.size + relaEntry / 2, relaEntry - 1]) {
          expectRefused(patch().dynValue(DT_RELASZ, BigInt(size)).bytes, 'BAD_TABLE_SIZE', `DT_RELASZ: ${size}`, `${relaEntry}-byte entry size`);
        }
      });

      it('DT_RELASZ = the largest value (not a multiple of the entry size): BAD_TABLE_SIZE', () => {
        const size = (1n << BigInt(bits)) - 1n;
        expectRefused(patch().dynValue(DT_RELASZ, size).bytes, 'BAD_TABLE_SIZE', `DT_RELASZ: ${size}`);
      });

      it('DT_RELASZ huge (a multiple of the entry size): UNMAPPED_ADDRESS', () => {
        const rela = tableOf(shape, 'rela');
        const size = BigInt(relaEntry) << BigInt(bits - 6);
        expectRefused(patch().dynValue(DT_RELASZ, size).bytes, 'UNMAPPED_ADDRESS', `DT_RELA = ${hex(rela.vaddr)}`, `DT_RELASZ = ${size}`);
      });

      it('DT_RELA outside every PT_LOAD: UNMAPPED_ADDRESS', () => {
        const vaddr = imageEnd(shape) + 0x100000n;
        expectRefused(patch().dynValue(DT_RELA, vaddr).bytes, 'UNMAPPED_ADDRESS', `DT_RELA = ${hex(vaddr)}`, 'outside every PT_LOAD');
      });

      it('an empty DT_RELA (DT_RELASZ = 0) is read by no relocator, wherever it points', () => {
        const empty = relocateAll(patch().dynValue(DT_RELASZ, 0n).bytes);
        for (const vaddr of [imageEnd(shape), imageEnd(shape) + 0x100000n]) {
          expect(relocateAll(patch().dynValue(DT_RELASZ, 0n).dynValue(DT_RELA, vaddr).bytes), hex(vaddr)).toEqual(empty);
        }
      });

      it('DT_RELA in the zero-filled part of a PT_LOAD: UNMAPPED_ADDRESS', () => {
        const load = shape.loads.find((candidate) => candidate.memsz > candidate.filesz + 0x100n);
        if (load === undefined) throw new Error('no PT_LOAD with a .bss');
        const vaddr = load.vaddr + load.filesz + 0x10n;
        expectRefused(
          patch().dynValue(DT_RELA, vaddr).bytes,
          'UNMAPPED_ADDRESS',
          `DT_RELA = ${hex(vaddr)}`,
          'not all file-backed',
          `PT_LOAD ${load.index}`,
        );
      });

      it('no DT_NULL before the end of its PT_LOAD: UNTERMINATED_DYNAMIC', () => {
        const load = dynamicLoad(shape);
        const bad = patch().phdr(load.index, 'p_memsz', load.filesz);
        const mapped = Number((load.filesz - (shape.dynamic.vaddr - load.vaddr)) / BigInt(2 * w));
        for (let index = shape.dyn.length - 1; index < mapped; index++) bad.word(shape.dynamicOffset + index * 2 * w, 21n); // DT_DEBUG
        expectRefused(bad.bytes, 'UNTERMINATED_DYNAMIC', `${mapped} entries`, `PT_LOAD ${load.index}`);
      });

      itWithRelr('DT_RELRENT wrong: BAD_ENTRY_SIZE; DT_RELRSZ not a multiple: BAD_TABLE_SIZE', (relrBase) => {
        expectRefused(relrBase.patch().dynValue(DT_RELRENT, 16n).bytes, 'BAD_ENTRY_SIZE', 'DT_RELRENT: 16', `entries are ${w} bytes`);
        const relr = tableOf(relrBase.shape, 'relr');
        expectRefused(relrBase.patch().dynValue(DT_RELRSZ, BigInt(relr.size + 1)).bytes, 'BAD_TABLE_SIZE', `DT_RELRSZ: ${relr.size + 1}`);
        const vaddr = imageEnd(relrBase.shape) + 0x100000n;
        expectRefused(relrBase.patch().dynValue(DT_RELR, vaddr).bytes, 'UNMAPPED_ADDRESS', `DT_RELR = ${hex(vaddr)}`);
      });
    });

    describe('relocations', () => {
      const top = (1n << BigInt(bits)) - BigInt(w);
      const sorted = shape === undefined ? [] : [...shape.loads].filter((load) => load.memsz > 0n).sort((a, b) => (a.vaddr < b.vaddr ? -1 : 1));
      const last = sorted.at(-1);
      const lastEnd = last === undefined ? 0n : last.vaddr + last.memsz;
      const gap = sorted.slice(0, -1).flatMap((load, position) => {
        const end = ((load.vaddr + load.memsz + BigInt(w) - 1n) / BigInt(w)) * BigInt(w);
        const next = sorted[position + 1];
        return next !== undefined && next.vaddr - end >= BigInt(w) ? [end] : [];
      })[0];
      const targets: [string, bigint | undefined][] = [
        ['above every PT_LOAD', shape === undefined ? 0n : imageEnd(shape) + 0x100000n],
        ['in the gap between two PT_LOADs', gap],
        ['straddling the end of the last PT_LOAD', lastEnd - BigInt(w / 2)],
        ['at the top of the address space', top],
      ];

      // A file whose PT_LOADs touch has no gap to aim at.
      const present = targets.filter((target): target is [string, bigint] => target[1] !== undefined);
      it.each(present)('a relative RELA r_offset %s: WRITE_OUTSIDE_SEGMENTS naming rela#index and the address', (_where, address) => {
        const bad = patch();
        const index = relativeRela(bad);
        bad.entry(tableOf(shape, 'rela'), index, 0, address);
        expectRefused(bad.bytes, 'WRITE_OUTSIDE_SEGMENTS', `rela#${index}:`, `${w}-byte word at ${hex(address)}`);
      });

      itWithRelr('a RELR address entry outside every PT_LOAD: WRITE_OUTSIDE_SEGMENTS naming relr#index', (relrBase) => {
        const relr = tableOf(relrBase.shape, 'relr');
        const address = imageEnd(relrBase.shape) + 0x100000n;
        const bad = relrBase.patch().entry(relr, 0, 0, address);
        expectRefused(bad.bytes, 'WRITE_OUTSIDE_SEGMENTS', 'relr#0:', hex(address));
      });

      it('a relative RELA entry aimed at a read-only PT_LOAD is a text relocation, not an error', () => {
        const load = shape.loads.find((candidate) => (candidate.flags & 2) === 0 && candidate.memsz >= BigInt(2 * w));
        if (load === undefined) throw new Error('no read-only PT_LOAD');
        const bad = patch();
        const index = relativeRela(bad);
        bad.entry(tableOf(shape, 'rela'), index, 0, load.vaddr);
        const elf = readElf(bad.bytes);
        expect(plan(elf).textRelocations.length).toBeGreaterThan(0);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Seeded mutants

const SEED = Number(process.env.PIEKIT_BAD_INPUT_SEED ?? 0x5eed1e);

interface MutationBase {
  readonly path: string;
  readonly package: string;
  readonly count: number;
}

const MUTATION_BASES: readonly MutationBase[] = [
  // glibc's libutil is 14 KiB with a RELA and a RELR table.
  { path: '/usr/lib/x86_64-linux-gnu/libutil.so.1', package: 'libc6', count: 3000 },
  // ELF32 big-endian.
  { path: '/usr/m68k-linux-gnu/lib/libutil.so.1', package: 'libc6-m68k-cross', count: 1000 },
];

for (const { path, package: debianPackage, count } of MUTATION_BASES) {
  describe(`${count} seeded mutants of ${path}`, () => {
    it('each plans and applies or is refused with an ElfError, never anything else, never slowly', { timeout: 600_000 }, async (context) => {
      requireFile(context, path, debianPackage);
      const bytes = new Uint8Array(readFileSync(path));
      const shape = shapeOf(bytes);
      const regions = regionsOf(shape);
      expect(regions.length).toBeGreaterThanOrEqual(4);
      // Reproducible: the same (seed, index) gives the same bytes.
      expect(mutant(bytes, shape, regions, SEED, 17).bytes).toEqual(mutant(bytes, shape, regions, SEED, 17).bytes);

      const outcomes = new Map<string, number>();
      const failures: string[] = [];
      let slowest = { ms: 0, index: -1 };
      for (let index = 0; index < count; index++) {
        const { bytes: mutated, edits } = mutant(bytes, shape, regions, SEED, index);
        const started = performance.now();
        let outcome = 'ok';
        try {
          relocateAll(mutated);
        } catch (error) {
          if (error instanceof ElfError) {
            outcome = error.code;
            // Every refusal is one line naming something.
            if (error.message.includes('\n') || !error.message.startsWith('Invalid ELF ')) {
              failures.push(`seed ${SEED} mutant ${index} [${edits.join('; ')}]: badly formed message: ${JSON.stringify(error.message)}`);
            }
          } else {
            outcome = 'defect';
            const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            failures.push(`seed ${SEED} mutant ${index} [${edits.join('; ')}]: threw ${text}`);
          }
        }
        const ms = performance.now() - started;
        if (ms > slowest.ms) slowest = { ms, index };
        if (ms > 5_000) failures.push(`seed ${SEED} mutant ${index} [${edits.join('; ')}]: took ${Math.round(ms)} ms`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        // Let vitest's timer run between mutants.
        if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
      }
      console.log(
        `${path}: seed ${SEED} (set PIEKIT_BAD_INPUT_SEED to change), ${count} mutants: ` +
          `${JSON.stringify(Object.fromEntries([...outcomes].sort()))}, slowest mutant ${slowest.index} in ${slowest.ms.toFixed(1)} ms`,
      );
      expect(
        failures,
        `seed ${SEED}: ${failures.length} mutants failed; rebuild one with mutant(bytes, shapeOf(bytes), regionsOf(shape), ${SEED}, index)`,
      ).toEqual([]);
      // The mutator must reach both outcomes, or it tests nothing.
      expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
      expect(count - (outcomes.get('ok') ?? 0)).toBeGreaterThan(count / 10);
    });
  });
}
