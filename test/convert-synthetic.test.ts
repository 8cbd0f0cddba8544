/**
 * pack and unpack on synthetic files whose every byte the test chose: what goes to RELR and what
 * stays, where addends go, how the dynamic array makes room, the new segment unpack adds, and each
 * refusal with its code. Every successful conversion has proved itself equivalent already.
 */
import { type Conversion, type ElfFile, pack, readElf, unpack } from 'piekit';
import { decodeRelr, PT_LOAD, readRelocation, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { DT_NULL } from './support/gabi.js';
import { encodeWords, rInfo, type SyntheticElf, type Target, writeElf } from './synthetic/elf-writer.js';

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const MIPS64: Target = { wordSize: 8, endian: 'big', machine: 8 };
const ARM: Target = { wordSize: 4, endian: 'little', machine: 40 };
const ARC: Target = { wordSize: 4, endian: 'little', machine: 195 };
const R_X86_64_64 = 1;
const R_X86_64_RELATIVE = 8;
const R_X86_64_IRELATIVE = 37;
const R_ARM_RELATIVE = 23;
const R_ARC_RELATIVE = 56;
const R_MIPS_REL32 = 3;
const R_MIPS_64 = 18;
const DATA = 0x10000n;
/** Three spare DT_NULL entries after the one that ends the array, as GNU ld leaves them. */
const PADDING: readonly (readonly [bigint, bigint])[] = [
  [DT_NULL, 0n],
  [DT_NULL, 0n],
  [DT_NULL, 0n],
];

function file(spec: Omit<SyntheticElf, keyof Target | 'data'> & { data?: SyntheticElf['data'] }, target: Target = X86_64): ElfFile {
  const data = spec.data ?? {
    vaddr: DATA,
    bytes: encodeWords(
      target,
      Array.from({ length: 0x200 / target.wordSize }, (_, i) => BigInt(i) * 0x100n),
    ),
    memsz: 0x300n,
  };
  return readElf(writeElf({ ...target, ...spec, data }).bytes);
}

function converted(conversion: Conversion): ElfFile {
  expect(conversion.changed).toBe(true);
  return readElf(conversion.output.toBytes());
}

function word(elf: ElfFile, vaddr: bigint): bigint {
  return elf.reader.word(elf.addressMap.fileOffset(vaddr, BigInt(elf.reader.wordSize), 'test word'));
}

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error('not refused');
}

describe('pack', () => {
  // A run of N words: an address entry for the first, then bitmaps of w*8-1 bits for the rest.
  // ELF64: 63 words = entry + 62 bits; 64 = entry + a full bitmap; 127 = entry + two full bitmaps.
  // ELF32 the same at 31, 32 and 63 words.
  for (const [target, relativeType, lengths] of [
    [X86_64, R_X86_64_RELATIVE, [63, 64, 127]],
    [ARM, R_ARM_RELATIVE, [31, 32, 63]],
  ] as const) {
    const w = BigInt(target.wordSize);
    const bits = w * 8n - 1n;
    const full = (1n << (bits + 1n)) - 1n;
    const expected: Record<number, bigint[]> = {
      [lengths[0]]: [DATA, full >> 1n],
      [lengths[1]]: [DATA, full],
      [lengths[2]]: [DATA, full, full],
    };
    for (const length of lengths) {
      it(`packs a run of ${length} ${target.wordSize * 8}-bit words into the RELR words worked out by hand`, () => {
        const relative = rInfo(target, 0, relativeType);
        const data = { vaddr: DATA, bytes: new Uint8Array(128 * target.wordSize), memsz: BigInt(128 * target.wordSize) };
        const rel = Array.from({ length }, (_, i) => [DATA + BigInt(i) * w, relative] as const);
        const rela = Array.from({ length }, (_, i) => [DATA + BigInt(i) * w, relative, 0x40n + BigInt(i)] as const);
        const input = file(target === ARM ? { data, rel } : { data, rela }, target);
        const output = converted(pack(input));
        const table = readRelocationInfo(output).tables.find((candidate) => candidate.kind === 'relr');
        if (table === undefined) throw new Error('no RELR table');
        const words = Array.from({ length: table.count }, (_, i) => output.reader.word(table.fileOffset + i * target.wordSize));
        expect(words).toEqual(expected[length]);
        expect(decodeRelr(output.reader, table).map(({ address }) => address)).toEqual(rel.map(([offset]) => offset));
        if (target !== ARM) expect(word(output, DATA + BigInt(length - 1) * w)).toBe(0x40n + BigInt(length - 1));
      });
    }
  }

  it('moves relative RELA entries into RELR, storing each addend in its word, and drops the emptied table', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const input = file({
      rela: [
        [DATA, relative, 0x1234n],
        [DATA + 8n, relative, -8n],
        [DATA + 0x40n, relative, 0x10n],
      ],
    });
    const output = converted(pack(input));
    const { tables, dynamic } = readRelocationInfo(output);
    expect(tables.map((table) => table.kind)).toEqual(['relr']);
    expect(decodeRelr(output.reader, tables[0] as never).map(({ address }) => address)).toEqual([DATA, DATA + 8n, DATA + 0x40n]);
    expect(word(output, DATA)).toBe(0x1234n);
    expect(word(output, DATA + 8n)).toBe(0xfffffffffffffff8n);
    expect(word(output, DATA + 0x40n)).toBe(0x10n);
    // DT_RELA, DT_RELASZ and DT_RELAENT made way for the three RELR tags.
    expect(dynamic.entries.map((entry) => entry.tag)).toEqual([36n, 35n, 37n, 0n]);
  });

  it('keeps non-relative, unaligned and shared-word entries in order, and counts the leading relative ones', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const input = file({
      rela: [
        [DATA + 4n, relative, 0x1n], // unaligned: RELR counts words
        [DATA + 0x10n, relative, 0x2n],
        [DATA + 0x18n, relative, 0x3n], // also written by the IRELATIVE entry below
        [DATA + 0x20n, rInfo(X86_64, 0, R_X86_64_IRELATIVE), 0x4n],
        [DATA + 0x18n, rInfo(X86_64, 1, R_X86_64_64), 0x5n],
      ],
      dynamic: [[0x6ffffff9n, 3n], ...PADDING],
    });
    const conversion = pack(input);
    const output = converted(conversion);
    const info = readRelocationInfo(output);
    const rela = info.tables.find((table) => table.kind === 'rela');
    if (rela === undefined) throw new Error('no RELA table left');
    const kept = Array.from({ length: rela.count }, (_, index) => readRelocation(output.reader, info.decoder, rela, index));
    expect(kept.map((entry) => [entry.offset, entry.addend])).toEqual([
      [DATA + 4n, 1n],
      [DATA + 0x18n, 3n],
      [DATA + 0x20n, 4n],
      [DATA + 0x18n, 5n],
    ]);
    // The one aligned, unshared relative entry went to RELR.
    const relr = info.tables.find((table) => table.kind === 'relr');
    expect(relr === undefined ? [] : decodeRelr(output.reader, relr).map(({ address }) => address)).toEqual([DATA + 0x10n]);
    // The unaligned entry and the shared one lead the table.
    expect(info.dynamic.entries.find((entry) => entry.tag === 0x6ffffff9n)?.value).toBe(2n);
    expect(conversion.notes.join('\n')).toContain(
      '2 relative entries stay in REL/RELA: 1 at unaligned addresses, 1 on words other relocations also write',
    );
  });

  it('leaves the word of a REL entry and of an ARC RELA entry (which adds the base to the word) as it is', () => {
    const arm = file(
      {
        rel: [
          [DATA, rInfo(ARM, 0, R_ARM_RELATIVE)],
          [DATA + 4n, rInfo(ARM, 0, R_ARM_RELATIVE)],
        ],
      },
      ARM,
    );
    const armOut = converted(pack(arm));
    expect([word(armOut, DATA), word(armOut, DATA + 4n)]).toEqual([word(arm, DATA), word(arm, DATA + 4n)]);
    const arc = file({ rela: [[DATA + 8n, rInfo(ARC, 0, R_ARC_RELATIVE), 0x777n]] }, ARC);
    expect(word(converted(pack(arc)), DATA + 8n)).toBe(word(arc, DATA + 8n));
  });

  it('writes mips64 RELR from stacked REL32/64 entries', () => {
    const info = rInfo(MIPS64, 0, R_MIPS_REL32 | (R_MIPS_64 << 8));
    const output = converted(
      pack(
        file(
          {
            rel: [
              [DATA, info],
              [DATA + 8n, info],
              [DATA + 0x30n, info],
            ],
          },
          MIPS64,
        ),
      ),
    );
    expect(readRelocationInfo(output).tables.map((table) => table.kind)).toEqual(['relr']);
  });

  it('merges an existing RELR table with the entries it packs', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const input = file({
      rela: [
        [DATA + 0x10n, relative, 0x99n],
        [DATA + 0x20n, relative, 0x98n],
      ],
      relr: [DATA, 0b1001n],
    });
    const output = converted(pack(input));
    const { tables } = readRelocationInfo(output);
    expect(tables.map((table) => table.kind)).toEqual(['relr']);
    // The old table's DATA and DATA + 0x18 (bit 2 of its bitmap), with the packed 0x10 and 0x20.
    expect(decodeRelr(output.reader, tables[0] as never).map(({ address }) => address)).toEqual([DATA, DATA + 0x10n, DATA + 0x18n, DATA + 0x20n]);
  });

  it('accepts an addend for .bss only when the word already holds it (zero)', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const data = { vaddr: DATA, bytes: new Uint8Array(0x20), memsz: 0x100n };
    expect(pack(file({ rela: [[DATA + 0x80n, relative, 0n]], data })).changed).toBe(true);
    const refused = refusal(() => pack(file({ rela: [[DATA + 0x80n, relative, 0x10n]], data })));
    expect(refused.code).toBe('ADDEND_IN_NOBITS');
    expect(refused.message).toContain('0x10080');
  });

  it('refuses without room in the dynamic array, and makes do with DT_NULL padding', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const rela: [bigint, bigint, bigint][] = [
      [DATA, relative, 1n],
      [DATA + 0x20n, rInfo(X86_64, 0, R_X86_64_IRELATIVE), 2n],
    ];
    expect(refusal(() => pack(file({ rela }))).code).toBe('NO_ROOM');
    const output = converted(pack(file({ rela, dynamic: PADDING })));
    expect(readRelocationInfo(output).tables.map((table) => table.kind)).toEqual(['rela', 'relr']);
  });

  it('refuses text relocations and files that are not ET_DYN', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    expect(refusal(() => pack(file({ rela: [[0x10n, relative, 0n]] }))).code).toBe('TEXT_RELOCATIONS');
    const bytes = writeElf({ ...X86_64, rela: [[DATA, relative, 0n]], data: { vaddr: DATA, bytes: new Uint8Array(16), memsz: 16n } }).bytes;
    new DataView(bytes.buffer).setUint16(16, 2, true);
    expect(refusal(() => pack(readElf(bytes))).code).toBe('NOT_PIE');
  });

  it('has nothing to do without a relative entry RELR can hold', () => {
    const conversion = pack(file({ rela: [[DATA + 4n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0n]], relr: [DATA + 0x10n] }));
    expect(conversion.changed).toBe(false);
    expect(conversion.unchangedBecause).toContain('1 at unaligned addresses');
    expect(pack(file({ relr: [DATA] })).unchangedBecause).toBe('it has no REL or RELA table');
  });
});

describe('unpack', () => {
  it('adds a read-only PT_LOAD holding the program headers and the table, where the kernel finds them', () => {
    const input = file({ relr: [DATA, 0b10111n, DATA + 0x100n] });
    const output = converted(unpack(input));
    const { tables } = readRelocationInfo(output);
    expect(tables.map((table) => table.kind)).toEqual(['rela']);
    const loads = output.programHeaders.filter((header) => header.type === PT_LOAD);
    const added = loads.at(-1);
    if (added === undefined) throw new Error('no PT_LOAD');
    expect(loads).toHaveLength(3);
    expect(added.flags).toBe(4);
    expect(added.vaddr % 0x1000n).toBe(0n);
    expect(added.vaddr - added.offset).toBe(0n);
    expect(output.header.phoff).toBe(added.offset);
    expect(output.programHeaders).toHaveLength(4);
    const table = tables[0];
    if (table === undefined) throw new Error('no table');
    expect(table.vaddr).toBeGreaterThanOrEqual(added.vaddr);
    const info = readRelocationInfo(output);
    const entries = Array.from({ length: table.count }, (_, index) => readRelocation(output.reader, info.decoder, table, index));
    expect(entries.map((entry) => [entry.offset, entry.addend, entry.relative])).toEqual(
      [DATA, DATA + 8n, DATA + 0x10n, DATA + 0x20n, DATA + 0x100n].map((address) => [address, word(input, address), true]),
    );
  });

  it('puts the relative entries before the entries the table already had, with their count', () => {
    const irelative = rInfo(X86_64, 0, R_X86_64_IRELATIVE);
    const input = file({ rela: [[DATA + 0x30n, irelative, 7n]], relr: [DATA, 0b111n], dynamic: PADDING });
    const output = converted(unpack(input));
    const info = readRelocationInfo(output);
    const table = info.tables[0];
    if (table === undefined) throw new Error('no table');
    const entries = Array.from({ length: table.count }, (_, index) => readRelocation(output.reader, info.decoder, table, index));
    expect(entries.map((entry) => [entry.offset, entry.type])).toEqual([
      [DATA, R_X86_64_RELATIVE],
      [DATA + 8n, R_X86_64_RELATIVE],
      [DATA + 0x10n, R_X86_64_RELATIVE],
      [DATA + 0x30n, R_X86_64_IRELATIVE],
    ]);
    expect(info.dynamic.entries.find((entry) => entry.tag === 0x6ffffff9n)?.value).toBe(3n);
  });

  it('writes REL on request, where the word keeps its value, with a note that the ABI uses RELA', () => {
    const input = file({ relr: [DATA + 8n] });
    const conversion = unpack(input, { format: 'rel' });
    const output = converted(conversion);
    expect(readRelocationInfo(output).tables.map((table) => table.kind)).toEqual(['rel']);
    expect(word(output, DATA + 8n)).toBe(word(input, DATA + 8n));
    expect(conversion.notes.join('\n')).toContain('REL is not the table x86_64');
  });

  it('refuses a table of the other format, a word RELR shares, text relocations; has nothing to do without RELR', () => {
    const irelative = rInfo(X86_64, 0, R_X86_64_IRELATIVE);
    expect(refusal(() => unpack(file({ rela: [[DATA + 0x30n, irelative, 7n]], relr: [DATA] }), { format: 'rel' })).code).toBe('TABLE_CONFLICT');
    expect(refusal(() => unpack(file({ rela: [[DATA, irelative, 7n]], relr: [DATA] }))).code).toBe('TABLE_CONFLICT');
    expect(refusal(() => unpack(file({ relr: [0x20n] }))).code).toBe('TEXT_RELOCATIONS');
    expect(unpack(file({ rela: [[DATA, rInfo(X86_64, 0, R_X86_64_RELATIVE), 1n]] })).unchangedBecause).toBe('it has no RELR table');
  });

  it('undoes pack: the same relocations, every other loaded byte the same', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const rela: [bigint, bigint, bigint][] = Array.from({ length: 40 }, (_, i) => [
      DATA + BigInt(i * 8 + (i > 20 ? 64 : 0)),
      relative,
      BigInt(i * 3),
    ]);
    const input = file({ rela, data: { vaddr: DATA, bytes: new Uint8Array(0x200), memsz: 0x200n } });
    const packed = converted(pack(input));
    const unpacked = converted(unpack(packed));
    const info = readRelocationInfo(unpacked);
    const table = info.tables[0];
    if (table === undefined) throw new Error('no table');
    const entries = Array.from({ length: table.count }, (_, index) => readRelocation(unpacked.reader, info.decoder, table, index));
    expect(entries.map((entry) => [entry.offset, entry.addend])).toEqual(rela.map(([offset, , addend]) => [offset, addend]));
  });
});
