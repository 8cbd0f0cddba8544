import { DT_NULL, type ElfFile, hex, PT_LOAD, TABLE_TAGS } from '../../elf/index.js';
import { apply, type Image, imageFor, type LoadSegment, type Plan, plan, SET_BASE_PLUS_ADDEND } from '../model/index.js';
import { memoryBytes } from './memory.js';
import type { PatchedFile } from './patched-file.js';
import { nonRelativeIndexes } from './tables.js';
import { allTags } from './tags.js';

/**
 * What the proof established for two files F (input) and O (output), at each of `bases`:
 * - O loads F's segments at the same addresses with the same sizes and flags, and at most adds
 *   read-only ones that nothing relocates; a read-only segment nothing relocates may end earlier,
 *   where every byte it no longer loads described relocation (pack giving back a freed table);
 * - startup code relocates the same words in both (`relocatedWords`), and after relocation every
 *   loaded byte of F's segments is the same in both, relocated words included, except the bytes
 *   that describe relocation and loading: the ELF header, the program header table, the dynamic
 *   array and the REL/RELA/RELR tables of either file (`describingBytes`);
 * - the relocations startup code leaves to others (IRELATIVE, symbolic ones, the PLT's) are the
 *   same entries in the same tables and order (`otherRelocations`), and the dynamic entries other
 *   than the relocation tables' own are the same, in the same order.
 * So the program sees the same memory wherever it is loaded, except for words that only say where
 * the relocations are; the words into which pack stored RELA addends differ only before relocation.
 */
export interface Proof {
  readonly bases: readonly bigint[];
  readonly relocatedWords: number;
  readonly identicalBytes: number;
  readonly describingBytes: number;
  readonly otherRelocations: number;
  /** How long the proof took, apart from the conversion it checked. */
  readonly milliseconds: number;
}

/** Three load bases per word size: low, ordinary, and high (above 4 GiB / with the top bit set). */
export const PROOF_BASES: Readonly<Record<4 | 8, readonly bigint[]>> = {
  4: [0x10000n, 0x40000000n, 0xf0000000n],
  8: [0x10000n, 0x7f5a3c000000n, 0xffff800000000000n],
};

/**
 * `output`, when `after` is its ELF view, vouches for the loaded bytes it never wrote: they are
 * the input's, at the same file offsets, so only the rest is compared.
 */
export function proveEquivalent(before: ElfFile, after: ElfFile, output?: PatchedFile): Proof {
  return provePlanned(plan(before), after, output).proof;
}

/**
 * The proof with the input's plan already made (a plan depends on nothing but the file), and the
 * output's plan it made, for what else the caller reports of the output.
 */
export function provePlanned(planBefore: Plan, after: ElfFile, output?: PatchedFile): { proof: Proof; planAfter: Plan } {
  const started = performance.now();
  const before = planBefore.elf;
  const planAfter = plan(after);
  // A difference is a defect of piekit, never of the input: the command line reports it as internal.
  const fail = (what: string): never => {
    throw new Error(`the converted file is not equivalent to its input: ${what}`);
  };
  if (planAfter.layout.wordSize !== planBefore.layout.wordSize || after.arch !== before.arch) fail('another class or architecture');
  if (planAfter.layout.start !== planBefore.layout.start) fail(`its lowest segment starts at ${hex(planAfter.layout.start)}`);
  const excluded = merge([...describingRanges(before, planBefore), ...describingRanges(after, planAfter)]);
  const matching = matchSegments(planBefore, planAfter, excluded, fail);
  const relocated = new Set(planBefore.relocatedSegments);
  let identicalBytes = 0;

  for (const segment of planBefore.layout.segments) {
    if (relocated.has(segment)) continue;
    const other = matching.get(segment) as LoadSegment;
    const sameFileBytes = other.fileOffset === segment.fileOffset && other.fileSize === segment.fileSize;
    identicalBytes += forEachIncluded(segment, excluded, (from, to) => {
      for (const [start, end] of sameFileBytes && output !== undefined ? changedParts(segment, output, from, to) : [[from, to] as const]) {
        if (!sameBytes(memoryBytes(before, segment, start, end - start), memoryBytes(after, other, start, end - start))) {
          fail(`loaded bytes differ in ${hex(planBefore.layout.start + BigInt(start))}..${hex(planBefore.layout.start + BigInt(end))}`);
        }
      }
    });
  }

  const { words: relocatedWords, linear } = sameRelocatedWords(planBefore, planAfter, excluded, fail);
  const bases = PROOF_BASES[planBefore.layout.wordSize];
  if (spanOf(planBefore).join() !== spanOf(planAfter).join()) fail('its relocated segments span other addresses');
  // Linear writes leave each relocated word c + base (mod 2^wordSize) for a constant c of its own,
  // every other byte as the file holds it: equal at base 0, equal at every base. Else the images
  // are compared at each base. At base 0 a plan whose writes all add the base leaves its memory
  // as its file loads it: that side is read from the file, with no image.
  const addsOnly = (planned: Plan): boolean => !planned.writes.kinds.subarray(0, planned.writes.count).includes(SET_BASE_PLUS_ADDEND);
  // One image per file otherwise, refilled from its file for each base: a pristine copy of each
  // would cost as much memory again as the relocated segments.
  const imageBefore = linear && addsOnly(planBefore) ? undefined : imageFor(planBefore);
  const imageAfter = linear && addsOnly(planAfter) ? undefined : imageFor(planAfter);
  for (const [round, base] of (linear ? [0n] : bases).entries()) {
    if (round > 0 && imageBefore !== undefined && imageAfter !== undefined) {
      refill(imageBefore, planBefore);
      refill(imageAfter, planAfter);
    }
    if (imageBefore !== undefined) apply(planBefore, imageBefore, base);
    if (imageAfter !== undefined) apply(planAfter, imageAfter, base);
    for (const segment of planBefore.relocatedSegments) {
      const other = matching.get(segment) as LoadSegment;
      const compared = forEachIncluded(segment, excluded, (from, to) => {
        const a = memoryAt(imageBefore, before, segment, from, to);
        const b = memoryAt(imageAfter, after, other, from, to);
        if (!sameBytes(a, b))
          fail(`relocated memory at base ${hex(base)} differs at ${hex(planBefore.layout.start + BigInt(from + firstDifference(a, b)))}`);
      });
      if (round === 0) identicalBytes += compared;
    }
  }
  const others = otherRelocations(planBefore);
  const othersAfter = otherRelocations(planAfter);
  if (!sameList(others.shape, othersAfter.shape) || !others.bytes.equals(othersAfter.bytes))
    fail('the relocations startup code skips are not the same');
  if (!sameList(otherDynamicEntries(planBefore), otherDynamicEntries(planAfter))) fail('dynamic entries besides the relocation tables differ');
  const describingBytes = excluded.reduce((sum, [from, to]) => sum + (to - from), 0);
  const milliseconds = performance.now() - started;
  return { proof: { bases, relocatedWords, identicalBytes, describingBytes, otherRelocations: others.count, milliseconds }, planAfter };
}

/** Each segment of the input with the output's segment at the same address, which must match it. */
function matchSegments(
  before: Plan,
  after: Plan,
  excluded: readonly (readonly [number, number])[],
  fail: (what: string) => never,
): Map<LoadSegment, LoadSegment> {
  const byAddress = new Map(after.layout.segments.map((segment) => [segment.header.vaddr, segment]));
  const matching = new Map<LoadSegment, LoadSegment>();
  const relocated = new Set(before.relocatedSegments);
  // A cut tail must lie within one describing range: a freed table.
  const cutDescribes = (segment: LoadSegment, other: LoadSegment): boolean =>
    !segment.writable &&
    !relocated.has(segment) &&
    other.memorySize < segment.memorySize &&
    excluded.some(([from, to]) => from <= segment.offset + other.memorySize && to >= segment.offset + segment.memorySize);
  for (const segment of before.layout.segments) {
    const other = byAddress.get(segment.header.vaddr);
    if (
      other === undefined ||
      (other.memorySize !== segment.memorySize && !cutDescribes(segment, other)) ||
      other.header.flags !== segment.header.flags
    ) {
      fail(`PT_LOAD ${segment.header.index} at ${hex(segment.header.vaddr)} is not loaded the same`);
    }
    matching.set(segment, other);
  }
  const matched = new Set(matching.values());
  for (const segment of after.layout.segments) {
    if (!matched.has(segment) && (segment.writable || after.relocatedSegments.includes(segment))) {
      fail(`its added PT_LOAD ${segment.header.index} is writable or relocated`);
    }
  }
  const relocatedAfter = new Set(after.relocatedSegments);
  for (const segment of before.layout.segments) {
    if (before.relocatedSegments.includes(segment) !== relocatedAfter.has(matching.get(segment) as LoadSegment)) {
      fail(`PT_LOAD ${segment.header.index} is relocated in one file only`);
    }
  }
  return matching;
}

/**
 * The layout ranges of [from, to) in a segment whose bytes the output may have written; the rest
 * are the input's own file bytes, or the zeros past p_filesz that both files share.
 */
function changedParts(segment: LoadSegment, output: PatchedFile, from: number, to: number): (readonly [number, number])[] {
  const fileFrom = segment.fileOffset + Math.min(from - segment.offset, segment.fileSize);
  const fileTo = segment.fileOffset + Math.min(to - segment.offset, segment.fileSize);
  const toLayout = (fileOffset: number): number => segment.offset + (fileOffset - segment.fileOffset);
  return output.changedParts(fileFrom, fileTo).map(([start, end]) => [toLayout(start), toLayout(end)] as const);
}

/**
 * The same set of words: the targets of every write, as bits over the relocated segments (all
 * writes land there, text relocations included), compared whole. Returns how many words the
 * input relocates, and whether its writes are linear in the base: each word written once, none
 * overlapping another or a describing range, and the output making as many writes (with the same
 * targets it then makes the same).
 */
function sameRelocatedWords(
  before: Plan,
  after: Plan,
  excluded: readonly (readonly [number, number])[],
  fail: (what: string) => never,
): { words: number; linear: boolean } {
  const origin = Math.min(...before.relocatedSegments.map((segment) => segment.offset));
  const end = Math.max(origin, ...before.relocatedSegments.map((segment) => segment.offset + segment.memorySize));
  // Distinct targets are counted as their bits are set: no pass over the bits afterwards.
  let words = 0;
  const marks = (planned: Plan): Uint8Array => {
    // A byte to spare: `overlapping` reads the byte after a write's.
    const bits = new Uint8Array(((end - origin) >>> 3) + 2);
    const { count, targets } = planned.writes;
    for (let i = 0; i < count; i++) {
      const at = (targets[i] as number) - origin;
      if (at < 0 || at >= end - origin)
        fail(`a word at ${hex(planned.layout.start + BigInt(at + origin))} is relocated outside the input's relocated segments`);
      const byte = bits[at >>> 3] as number;
      const bit = 1 << (at & 7);
      if ((byte & bit) === 0 && planned === before) words++;
      bits[at >>> 3] = byte | bit;
    }
    return bits;
  };
  const a = marks(before);
  const b = marks(after);
  if (!sameBytes(a, b)) {
    const at = firstDifference(a, b) * 8;
    fail(`the words near ${hex(before.layout.start + BigInt(origin + at))} are relocated in one file only`);
  }
  const { count, targets } = before.writes;
  const w = before.layout.wordSize;
  const once = words === count && after.writes.count === count;
  const linear = once && !overlapping(a, targets, count, origin, w) && !excluded.some(([from, to]) => anyBit(a, from - w + 1 - origin, to - origin));
  return { words, linear };
}

/** Whether a write starts inside a word another write starts before it (`bits` marks where writes start). */
function overlapping(bits: Uint8Array, targets: Uint32Array, count: number, origin: number, wordSize: number): boolean {
  // Bits 1 .. wordSize - 1 after a write's own: the starts that would share its bytes.
  const inside = ((1 << wordSize) - 1) & ~1;
  for (let i = 0; i < count; i++) {
    const at = (targets[i] as number) - origin;
    const byte = at >>> 3;
    if (((((bits[byte] as number) | ((bits[byte + 1] as number) << 8)) >>> (at & 7)) & inside) !== 0) return true;
  }
  return false;
}

/** Whether any bit in [from, to) is set, clipped to the bits. */
function anyBit(bits: Uint8Array, from: number, to: number): boolean {
  for (let at = Math.max(0, from); at < Math.min(to, bits.length * 8); at++) if (((bits[at >>> 3] as number) & (1 << (at & 7))) !== 0) return true;
  return false;
}

/** The layout offsets the plan's relocated segments span. */
function spanOf(planned: Plan): [number, number] {
  const segments = planned.relocatedSegments;
  return [Math.min(...segments.map((segment) => segment.offset)), Math.max(...segments.map((segment) => segment.offset + segment.memorySize))];
}

/** Memory at layout offsets [from, to) of a segment: the image's, or without one as the file loads it. */
function memoryAt(image: Image | undefined, elf: ElfFile, segment: LoadSegment, from: number, to: number): Uint8Array {
  return image === undefined ? memoryBytes(elf, segment, from, to - from) : image.bytes.subarray(from - image.origin, to - image.origin);
}

/** The image as the plan found it: its segments' file bytes, then zeros (apply writes nothing between segments). */
function refill(image: Image, planned: Plan): void {
  const { elf, layout } = planned;
  const end = image.origin + image.bytes.length;
  for (const segment of layout.segments) {
    if (segment.offset < image.origin || segment.offset + segment.memorySize > end) continue;
    const at = segment.offset - image.origin;
    elf.reader.copyInto(segment.fileOffset, segment.fileSize, `PT_LOAD ${segment.header.index} file bytes`, image.bytes.subarray(at));
    image.bytes.fill(0, at + segment.fileSize, at + segment.memorySize);
  }
}

/** Link-time ranges, as layout offsets, of what describes loading and relocation. */
function describingRanges(elf: ElfFile, planned: Plan): [number, number][] {
  const { header } = elf;
  const ranges: [bigint, bigint][] = [];
  const loaded = (offset: bigint, size: bigint): void => {
    for (const load of elf.programHeaders) {
      if (load.type !== PT_LOAD || offset < load.offset || offset >= load.offset + load.filesz) continue;
      const start = load.vaddr + (offset - load.offset);
      ranges.push([start, start + size]);
    }
  };
  loaded(0n, BigInt(header.ehsize));
  loaded(header.phoff, BigInt(elf.programHeaders.length * header.phentsize));
  const dynamic = planned.info.dynamic.header;
  ranges.push([dynamic.vaddr, dynamic.vaddr + (dynamic.memsz > dynamic.filesz ? dynamic.memsz : dynamic.filesz)]);
  for (const table of planned.info.tables) ranges.push([table.vaddr, table.vaddr + table.size]);
  const start = planned.layout.start;
  return ranges.map(([from, to]) => [Number(from - start), Number(to - start)]);
}

function merge(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.filter(([from, to]) => to > from).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Calls `visit` on each part of the segment outside the excluded ranges; returns their total size. */
function forEachIncluded(segment: LoadSegment, excluded: readonly [number, number][], visit: (from: number, to: number) => void): number {
  const end = segment.offset + segment.memorySize;
  let at = segment.offset;
  let total = 0;
  for (const [from, to] of excluded) {
    if (to <= at) continue;
    if (from >= end) break;
    if (from > at) {
      visit(at, from);
      total += from - at;
    }
    at = Math.max(at, to);
  }
  if (at < end) {
    visit(at, end);
    total += end - at;
  }
  return total;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  return at;
}

/**
 * The entries startup code skips or leaves to resolvers (IRELATIVE, symbolic ones): every REL/RELA
 * entry that is not relative, in table order, as their bytes end to end (r_offset, r_info and
 * r_addend: equal bytes are equal fields), with each table's entry size and count (a REL and a
 * RELA entry never match). Copied a run of consecutive entries at a time, not an object per entry.
 */
function otherRelocations(planned: Plan): { bytes: Buffer; shape: number[]; count: number } {
  const tables = planned.info.tables.filter((table) => table.kind !== 'relr');
  const indexes = tables.map((table) => nonRelativeIndexes(planned, table));
  const bytes = Buffer.alloc(tables.reduce((sum, table, i) => sum + (indexes[i] as Uint32Array).length * table.entrySize, 0));
  const shape: number[] = [];
  let at = 0;
  tables.forEach((table, i) => {
    const others = indexes[i] as Uint32Array;
    if (others.length > 0) shape.push(table.entrySize, others.length);
    const { view, entrySize } = table;
    const entries = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let first = 0; first < others.length; ) {
      let end = first + 1;
      while (end < others.length && others[end] === (others[end - 1] as number) + 1) end++;
      const from = (others[first] as number) * entrySize;
      bytes.set(entries.subarray(from, from + (end - first) * entrySize), at);
      at += (end - first) * entrySize;
      first = end;
    }
  });
  return { bytes, shape, count: indexes.reduce((sum, others) => sum + others.length, 0) };
}

const TABLE_TAG_SET = new Set<bigint>(Object.values(TABLE_TAGS).flatMap(allTags));

function otherDynamicEntries(planned: Plan): bigint[] {
  return planned.info.dynamic.entries
    .filter((entry) => entry.tag !== DT_NULL && !TABLE_TAG_SET.has(entry.tag))
    .flatMap((entry) => [entry.tag, entry.value]);
}

function sameList<T extends bigint | number>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
