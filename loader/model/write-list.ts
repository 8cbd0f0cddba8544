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

/**
 * The planned writes as parallel typed arrays: a million relocations must not become a million
 * objects. Image offsets fit 32 bits because images are capped at IMAGE_LIMIT.
 */
export class WriteList {
  count = 0;
  targets = new Uint32Array(1024);
  kinds = new Uint8Array(1024);
  addendLow = new Uint32Array(1024);
  addendHigh = new Uint32Array(1024);
  sources = new Uint8Array(1024);
  entries = new Uint32Array(1024);

  /** Writes whose values are already in an image (the native engine's log): only where and by which entry. */
  static ofTargets(targets: Uint32Array<ArrayBuffer>, sources: Uint8Array<ArrayBuffer>, entries: Uint32Array<ArrayBuffer>): WriteList {
    const list = new WriteList();
    list.count = targets.length;
    list.targets = targets;
    list.sources = sources;
    list.entries = entries;
    list.kinds = new Uint8Array(targets.length);
    list.addendLow = new Uint32Array(targets.length);
    list.addendHigh = new Uint32Array(targets.length);
    return list;
  }

  push(target: number, kind: number, addendLow: number, addendHigh: number, source: number, entry: number): void {
    if (this.count === this.targets.length) this.grow();
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

  private grow(least = 0): void {
    const capacity = Math.max(this.targets.length * 2, least);
    const widen = <T extends Uint32Array | Uint8Array>(array: T, make: (length: number) => T): T => {
      const wider = make(capacity);
      wider.set(array);
      return wider;
    };
    this.targets = widen(this.targets, (n) => new Uint32Array(n));
    this.kinds = widen(this.kinds, (n) => new Uint8Array(n));
    this.addendLow = widen(this.addendLow, (n) => new Uint32Array(n));
    this.addendHigh = widen(this.addendHigh, (n) => new Uint32Array(n));
    this.sources = widen(this.sources, (n) => new Uint8Array(n));
    this.entries = widen(this.entries, (n) => new Uint32Array(n));
  }
}
