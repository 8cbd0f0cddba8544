/**
 * Where a planned write comes from, in the order the startup code applies the tables; a write's
 * source is its index here. Declared here only: `npm run headers` writes startup/table-sources.h,
 * whose PK_SOURCE_* startup/relocate.c hands to the native engine's log.
 */
export const SOURCES = ['got', 'rel', 'rela', 'relr'] as const;
export type Source = (typeof SOURCES)[number];
export const SOURCE_GOT = SOURCES.indexOf('got');
export const SOURCE_REL = SOURCES.indexOf('rel');
export const SOURCE_RELA = SOURCES.indexOf('rela');
export const SOURCE_RELR = SOURCES.indexOf('relr');

/** `word += base` (REL, RELR, MIPS local GOT) or `word = base + addend` (RELA). */
export const ADD_BASE = 0;
export const SET_BASE_PLUS_ADDEND = 1;

/** Bytes a write takes: target, addend halves and entry (4 each), kind and source (1 each). */
const BYTES_PER_WRITE = 18;

/**
 * The planned writes as parallel typed arrays: a million relocations must not become a million
 * objects. Image offsets fit 32 bits because images are capped at IMAGE_LIMIT. The columns share
 * one buffer, allocated once when the caller knows how many writes may come (`capacity`): each
 * fresh large buffer costs page faults and adds to the external memory that triggers the
 * garbage collector.
 */
export class WriteList {
  count = 0;
  targets: Uint32Array;
  kinds: Uint8Array;
  addendLow: Uint32Array;
  addendHigh: Uint32Array;
  sources: Uint8Array;
  entries: Uint32Array;

  constructor(capacity = 1024) {
    // The 4-byte columns first, so that each starts 4-aligned.
    const buffer = new ArrayBuffer(capacity * BYTES_PER_WRITE);
    this.targets = new Uint32Array(buffer, 0, capacity);
    this.addendLow = new Uint32Array(buffer, 4 * capacity, capacity);
    this.addendHigh = new Uint32Array(buffer, 8 * capacity, capacity);
    this.entries = new Uint32Array(buffer, 12 * capacity, capacity);
    this.kinds = new Uint8Array(buffer, 16 * capacity, capacity);
    this.sources = new Uint8Array(buffer, 17 * capacity, capacity);
  }

  /** Writes whose values are already in an image (the native engine's log): only where and by which entry. */
  static ofTargets(targets: Uint32Array<ArrayBuffer>, sources: Uint8Array<ArrayBuffer>, entries: Uint32Array<ArrayBuffer>): WriteList {
    const count = targets.length;
    const list = new WriteList(0);
    const buffer = new ArrayBuffer(count * 9);
    list.count = count;
    list.targets = targets;
    list.sources = sources;
    list.entries = entries;
    list.addendLow = new Uint32Array(buffer, 0, count);
    list.addendHigh = new Uint32Array(buffer, 4 * count, count);
    list.kinds = new Uint8Array(buffer, 8 * count, count);
    return list;
  }

  push(target: number, kind: number, addendLow: number, addendHigh: number, source: number, entry: number): void {
    if (this.count === this.targets.length) this.grow(this.count + 1);
    const at = this.count++;
    this.targets[at] = target;
    this.kinds[at] = kind;
    this.addendLow[at] = addendLow;
    this.addendHigh[at] = addendHigh;
    this.sources[at] = source;
    this.entries[at] = entry;
  }

  /** A `word += base` write; the caller has reserved room. Kinds and addends start out 0 (ADD_BASE). */
  pushAddBase(target: number, source: number, entry: number): void {
    const at = this.count++;
    this.targets[at] = target;
    this.sources[at] = source;
    this.entries[at] = entry;
  }

  /** Makes room for `extra` more writes at once, so a big table grows the arrays once. */
  reserve(extra: number): void {
    if (this.count + extra > this.targets.length) this.grow(this.count + extra);
  }

  private grow(least: number): void {
    const wider = new WriteList(Math.max(this.targets.length * 2, least));
    const count = this.count;
    wider.targets.set(this.targets.subarray(0, count));
    wider.kinds.set(this.kinds.subarray(0, count));
    wider.addendLow.set(this.addendLow.subarray(0, count));
    wider.addendHigh.set(this.addendHigh.subarray(0, count));
    wider.sources.set(this.sources.subarray(0, count));
    wider.entries.set(this.entries.subarray(0, count));
    this.targets = wider.targets;
    this.kinds = wider.kinds;
    this.addendLow = wider.addendLow;
    this.addendHigh = wider.addendHigh;
    this.sources = wider.sources;
    this.entries = wider.entries;
  }
}
