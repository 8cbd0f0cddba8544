/**
 * apply on synthetic files whose every byte the test chose: writes at addresses that are not
 * 4-aligned and files in the other byte order take the DataView path, aligned writes in the host's
 * order the in-place one, and both give what the psABIs say (RELA: word = B + A; REL: word += B),
 * in entry order, each overlapping write seeing the one before.
 */
import { apply, type Image, imageFor, plan, readElf } from 'piekit';
import { describe, expect, it } from 'vitest';
import { encodeWords, rInfo, type Target, writeElf } from './synthetic/elf-writer.js';

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const ARM: Target = { wordSize: 4, endian: 'little', machine: 40 };
const ARMEB: Target = { wordSize: 4, endian: 'big', machine: 40 };
const R_X86_64_RELATIVE = 8;
const R_ARM_RELATIVE = 23;
const DATA = 0x10000n;
const SIZE = 0x40;

/** The data segment's initial bytes: word i holds i * 0x01010101 (and its high half the same). */
function initial(target: Target): Uint8Array {
  const words = Array.from({ length: SIZE / target.wordSize }, (_, i) => BigInt(i) * (target.wordSize === 8 ? 0x0101010101010101n : 0x01010101n));
  return encodeWords(target, words);
}

/** Memory after the entries, worked out here with a DataView in the file's byte order. */
function expected(target: Target, base: bigint, entries: readonly (readonly [offset: bigint, addend: bigint | undefined])[]): Uint8Array {
  const bytes = initial(target).slice();
  const view = new DataView(bytes.buffer);
  const little = target.endian === 'little';
  const bits = BigInt(target.wordSize * 8);
  for (const [offset, addend] of entries) {
    const at = Number(offset - DATA);
    const old = target.wordSize === 8 ? view.getBigUint64(at, little) : BigInt(view.getUint32(at, little));
    const value = BigInt.asUintN(Number(bits), (addend ?? old) + base);
    if (target.wordSize === 8) view.setBigUint64(at, value, little);
    else view.setUint32(at, Number(value), little);
  }
  return bytes;
}

function applied(
  target: Target,
  base: bigint,
  table: { rel?: [bigint, bigint][]; rela?: [bigint, bigint, bigint][] },
): { image: Image; data: Uint8Array } {
  const elf = readElf(writeElf({ ...target, data: { vaddr: DATA, bytes: initial(target), memsz: BigInt(SIZE) }, ...table }).bytes);
  const planned = plan(elf);
  const image = imageFor(planned);
  apply(planned, image, base);
  const at = Number(DATA - planned.layout.start) - image.origin;
  return { image, data: image.bytes.slice(at, at + SIZE) };
}

describe('apply', () => {
  it('sets RELA words at unaligned and aligned addresses alike, in entry order (x86_64)', () => {
    const relative = rInfo(X86_64, 0, R_X86_64_RELATIVE);
    const entries: [bigint, bigint][] = [
      [DATA + 1n, 0x1234n], // neither 4- nor 8-aligned
      [DATA + 0x10n, -0x10n], // base + addend wraps below the base
      [DATA + 0x1cn, 0xfedcba9876543210n], // 4-aligned only; the carry crosses the halves
      [DATA + 0x20n, 0xffffffffn],
      [DATA + 0x1en, 7n], // overlaps the write at 0x1c
    ];
    const base = 0x7f00_0000_1000n;
    const { data } = applied(X86_64, base, { rela: entries.map(([offset, addend]) => [offset, relative, addend]) });
    expect(data).toEqual(expected(X86_64, base, entries));
  });

  it.each([
    ['little-endian', ARM],
    ['big-endian', ARMEB],
  ] as const)('adds the base to REL words at unaligned and aligned addresses alike (ARM, %s)', (_order, target) => {
    const relative = rInfo(target, 0, R_ARM_RELATIVE);
    const offsets = [DATA + 2n, DATA + 8n, DATA + 0x13n, DATA + 0x10n, DATA + 0x3cn];
    const base = 0xfff0_0000n; // words past 0x0010_0000 wrap at 32 bits
    const { data } = applied(target, base, { rel: offsets.map((offset) => [offset, relative]) });
    expect(data).toEqual(
      expected(
        target,
        base,
        offsets.map((offset) => [offset, undefined]),
      ),
    );
  });

  it('refuses an image that does not hold the segments the plan relocates, rather than drop writes', () => {
    const elf = readElf(
      writeElf({
        ...X86_64,
        data: { vaddr: DATA, bytes: initial(X86_64), memsz: BigInt(SIZE) },
        rela: [[DATA + 8n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 1n]],
      }).bytes,
    );
    const planned = plan(elf);
    const image = imageFor(planned);
    const short = image.bytes.subarray(0, 8);
    expect(() => apply(planned, { ...image, bytes: short, view: new DataView(short.buffer, short.byteOffset, short.length) }, 0x1000n)).toThrow(
      RangeError,
    );
  });
});
