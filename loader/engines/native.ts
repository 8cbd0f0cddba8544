import { ElfError, type ElfFile, hex, type RelocationInfo, readRelocationInfo } from '../../elf/index.js';
import {
  checkBase,
  createImage,
  describeSource,
  forEachSkipped,
  type Image,
  type ImageLayout,
  type LoadSegment,
  layoutOf,
  lazyResolvedAtRunTime,
  lazySkipped,
  localGotOf,
  type SkipLog,
  SOURCES,
  segmentAt,
  skippedByType,
  type TableSummary,
  WriteList,
} from '../model/index.js';
import type { Relocated } from './engine.js';
import { nativeAddon } from './native-addon.js';
import { type NativeLog, type NativeResult, NativeStatus } from './native-surface.js';

/**
 * Runs the C core on the writable segments. The reading and validation before it are shared with
 * the TypeScript engine; which words are written, in which order and with which values is the C
 * core's alone. A store into a read-only segment (a text relocation) reruns it on every segment.
 */
export function relocateNative(elf: ElfFile, base: bigint): Relocated {
  const info = readRelocationInfo(elf);
  const layout = layoutOf(elf);
  checkBase(base, layout.wordSize);
  const writable = layout.segments.filter((segment) => segment.writable);
  let image = createImage(elf, layout, writable);
  let result = runNative(elf, layout, image, base, info);
  if (result.status === NativeStatus.OutsideWindow) {
    image = createImage(elf, layout);
    result = runNative(elf, layout, image, base, info);
  }
  failOn(result, layout);
  const log = result.writes as NativeLog;
  const targets = log.targets as Uint32Array<ArrayBuffer>;
  if (image.origin !== 0) for (let i = 0; i < targets.length; i++) targets[i] = (targets[i] as number) + image.origin;
  const writes = WriteList.ofTargets(targets, log.sources, log.entries);

  const textSegments = new Set<LoadSegment>();
  const textRelocations: number[] = [];
  // Every store landed in a segment; only those outside the writable window need a look.
  const windowEnd = image.origin + image.bytes.length;
  const writableOnly = layout.segments.every(
    (segment) => segment.writable || segment.offset >= windowEnd || segment.offset + segment.memorySize <= image.origin,
  );
  for (let i = 0; !writableOnly && i < writes.count; i++) {
    const segment = segmentAt(layout, targets[i] as number, layout.wordSize);
    if (segment !== undefined && !segment.writable) {
      textRelocations.push(i);
      textSegments.add(segment);
    }
  }
  const skips = result.skipped as NativeLog;
  const skipped = lazySkipped(elf, info, skips);
  const resolved = lazyResolvedAtRunTime(elf, info);
  return {
    image,
    plan: {
      elf,
      info,
      layout,
      writes,
      get skipped() {
        return skipped();
      },
      forEachSkipped: (visit) => forEachSkipped(elf, info, skips, visit),
      get resolvedAtRunTime() {
        return resolved();
      },
      tables: summaries(elf, info, writes, skips),
      localGot: localGotOf(elf, info),
      textRelocations,
      relocatedSegments: layout.segments.filter((segment) => segment.writable || textSegments.has(segment)),
      // The C engine stops at the first error: its plans leave nothing out.
      outside: [],
    },
  };
}

function runNative(elf: ElfFile, layout: ImageLayout, image: Image, base: bigint, info: RelocationInfo): NativeResult {
  const words = new BigUint64Array(layout.segments.length * 6);
  layout.segments.forEach((segment, i) => {
    const inWindow = segment.offset >= image.origin && segment.offset + segment.memorySize <= image.origin + image.bytes.length;
    words.set(
      [
        segment.header.vaddr,
        segment.header.memsz,
        BigInt(segment.fileOffset),
        BigInt(segment.fileSize),
        segment.writable ? 1n : 0n,
        BigInt.asUintN(64, inWindow ? BigInt(segment.offset - image.origin) : -1n),
      ],
      i * 6,
    );
  });
  const relative = info.decoder.relative;
  return nativeAddon().relocate(elf.bytes, image.bytes, words, {
    wordSize: layout.wordSize,
    bigEndian: !image.little,
    start: layout.start,
    base,
    dynamic: info.dynamic.header.vaddr,
    relativeMask: (BigInt(relative.highMask >>> 0) << 32n) | BigInt(relative.lowMask >>> 0),
    relativeInfo: (BigInt(relative.high >>> 0) << 32n) | BigInt(relative.low >>> 0),
    localGot: elf.arch.localGot,
    relaAddsToWord: elf.arch.relaAddsToWord,
    log: true,
  });
}

/** The engine's failures, as the same ElfError the TypeScript planner raises for the same input. */
function failOn(result: NativeResult, layout: ImageLayout): void {
  switch (result.status) {
    case NativeStatus.Ok:
      return;
    case NativeStatus.WriteOutsideSegments:
      throw new ElfError(
        'WRITE_OUTSIDE_SEGMENTS',
        `Invalid ELF ${describeSource(result.source, Number(result.index))}: the ${layout.wordSize}-byte word at ${hex(result.address)} is outside every PT_LOAD segment`,
      );
    case NativeStatus.UnmappedAddress:
      throw new ElfError('UNMAPPED_ADDRESS', `Invalid ELF address ${hex(result.address)}: no PT_LOAD holds it in the file`);
    default:
      throw new Error(`native engine failed with status ${result.status}`);
  }
}

function summaries(elf: ElfFile, info: RelocationInfo, writes: WriteList, skips: SkipLog): TableSummary[] {
  const relative = new Array<number>(SOURCES.length).fill(0);
  for (let i = 0; i < writes.count; i++) {
    const source = writes.sources[i] as number;
    relative[source] = (relative[source] ?? 0) + 1;
  }
  return info.tables.map((table) => ({
    table,
    relative: relative[SOURCES.indexOf(table.kind)] ?? 0,
    skipped: skippedByType(elf, info, skips, table),
  }));
}
