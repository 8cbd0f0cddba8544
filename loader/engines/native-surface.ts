/**
 * Everything the native addon (native/addon.cc) exports, and nothing else. The engine runs
 * startup/relocate.c on an image window through accessors that check every address.
 */

/** Per segment, six words: p_vaddr, p_memsz, p_offset, p_filesz, writable (0/1), and the
 * position of p_vaddr in the image window as a two's-complement word (-1: not in the window). */
export type SegmentWords = BigUint64Array;

export interface NativeOptions {
  readonly wordSize: 4 | 8;
  readonly bigEndian: boolean;
  /** Link-time address of layout offset 0. */
  readonly start: bigint;
  readonly base: bigint;
  /** Link-time address of the dynamic section. */
  readonly dynamic: bigint;
  /** A REL/RELA entry is relative when `r_info & relativeMask === relativeInfo` (the word as loaded). */
  readonly relativeMask: bigint;
  readonly relativeInfo: bigint;
  readonly localGot: boolean;
  /** ARC: a relative RELA entry adds the base to the word and ignores r_addend. */
  readonly relaAddsToWord: boolean;
  /** Return the stores and the skipped entries, in order. */
  readonly log: boolean;
}

/**
 * The native engine's outcomes: declared here only, written into native/engine-status.h as
 * `enum pk_engine_status` by `npm run headers`.
 */
export const NativeStatus = {
  Ok: 0,
  /** A store outside every PT_LOAD. */
  WriteOutsideSegments: 1,
  /** A read of the dynamic section or a table outside the file's bytes. */
  UnmappedAddress: 2,
  /** A store into a segment the image window leaves out: retry with all. */
  OutsideWindow: 3,
  OutOfMemory: 4,
  /** Inconsistent arguments. */
  BadRequest: 5,
} as const;
export type NativeStatus = (typeof NativeStatus)[keyof typeof NativeStatus];

export interface NativeLog {
  /** Image window offsets of the words written (writes only). */
  readonly targets?: Uint32Array<ArrayBuffer>;
  /** Indices into SOURCES (loader/model/write-list.ts). */
  readonly sources: Uint8Array<ArrayBuffer>;
  readonly entries: Uint32Array<ArrayBuffer>;
}

export interface NativeResult {
  readonly status: NativeStatus;
  /** The failing access: its source (-1 none), entry and link-time address. */
  readonly source: number;
  readonly index: bigint;
  readonly address: bigint;
  readonly writes?: NativeLog;
  readonly skipped?: NativeLog;
}

export interface NativeAddon {
  /** Relocates `image` in place; `file` supplies the dynamic section and the tables. */
  relocate(file: Uint8Array, image: Uint8Array, segments: SegmentWords, options: NativeOptions): NativeResult;
}
