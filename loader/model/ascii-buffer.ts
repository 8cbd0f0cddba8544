const encoder = new TextEncoder();
const HEX_DIGITS = encoder.encode('0123456789abcdef');

/** Output leaves in chunks of this size: large enough that writes cost little, small enough to bound memory. */
export const CHUNK_SIZE = 1 << 16;

/** Pre-encodes a fragment written many times. */
export function fragment(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * An ASCII document written as it is computed, in chunks handed to `sink` once full: `piekit
 * inspect --json` on a big library writes a hundred megabytes, which must never be one string.
 * Hot loops ask for `room`, write with the `put` functions into `bytes` from `at`, and store the
 * new `at`. Each chunk handed over is the sink's to keep, unless the sink returns true (it is done
 * with it): then the same bytes are written over, and the document costs one chunk of memory.
 */
export class AsciiWriter {
  bytes: Uint8Array;
  at = 0;

  constructor(private readonly sink: (chunk: Uint8Array) => unknown) {
    this.bytes = new Uint8Array(CHUNK_SIZE);
  }

  /** Room for `size` more bytes in `bytes` from `at` (a chunk is sent first when needed). */
  room(size: number): Uint8Array {
    if (this.at + size <= this.bytes.length) return this.bytes;
    this.flush();
    if (size > this.bytes.length) this.bytes = new Uint8Array(size);
    return this.bytes;
  }

  text(value: string): this {
    // Latin-1 and ASCII names are a byte a character; anything else takes at most 3 bytes per unit.
    this.room(value.length * 3);
    this.at += encoder.encodeInto(value, this.bytes.subarray(this.at)).written;
    return this;
  }

  bytesOf(fragment: Uint8Array): this {
    this.room(fragment.length);
    this.at = putBytes(this.bytes, this.at, fragment);
    return this;
  }

  /** Sends what is written so far. */
  flush(): void {
    if (this.at === 0) return;
    if (this.sink(this.bytes.subarray(0, this.at)) !== true) this.bytes = new Uint8Array(CHUNK_SIZE);
    this.at = 0;
  }
}

/** A whole document as one array, for library callers that want bytes (the CLI streams instead). */
export function collect(write: (out: AsciiWriter) => void): Uint8Array {
  const chunks: Uint8Array[] = [];
  const out = new AsciiWriter((chunk) => chunks.push(chunk));
  write(out);
  out.flush();
  return new Uint8Array(Buffer.concat(chunks));
}

// The put functions write at `at` and return the offset after what they wrote.

/** Fragments this long are copied by `set`; a loop of byte stores beats its call on shorter ones. */
const SET_FROM = 16;

export function putBytes(bytes: Uint8Array, at: number, fragment: Uint8Array): number {
  const length = fragment.length;
  if (length >= SET_FROM) bytes.set(fragment, at);
  else for (let i = 0; i < length; i++) bytes[at + i] = fragment[i] as number;
  return at + length;
}

/** `0x` and the hex digits of a 64-bit word given as halves, without leading zeros. */
export function putHex64(bytes: Uint8Array, at: number, low: number, high: number): number {
  bytes[at] = 0x30;
  bytes[at + 1] = 0x78;
  at += 2;
  if (high !== 0) {
    at = putHex32(bytes, at, high, (32 - Math.clz32(high) + 3) >>> 2);
    return putHex32(bytes, at, low, 8);
  }
  return putHex32(bytes, at, low, Math.max(1, (32 - Math.clz32(low) + 3) >>> 2));
}

function putHex32(bytes: Uint8Array, at: number, value: number, digits: number): number {
  for (let i = digits - 1; i >= 0; i--) {
    bytes[at + i] = HEX_DIGITS[value & 15] as number;
    value >>>= 4;
  }
  return at + digits;
}

export function putDecimal(bytes: Uint8Array, at: number, value: number): number {
  const end = at + decimalLength(value);
  let i = end - 1;
  let rest = value;
  // Below 2^31 a digit is integer arithmetic, which compiles to a multiplication; above, a division.
  for (; rest >= 0x80000000; i--) {
    const tenth = Math.floor(rest / 10);
    bytes[i] = 0x30 + (rest - tenth * 10);
    rest = tenth;
  }
  for (let small = rest | 0; i >= at; i--) {
    const tenth = (small / 10) | 0;
    bytes[i] = 0x30 + (small - tenth * 10);
    small = tenth;
  }
  return end;
}

/** `count` spaces. */
export function putSpaces(bytes: Uint8Array, at: number, count: number): number {
  for (let i = 0; i < count; i++) bytes[at + i] = 0x20;
  return at + count;
}

/** How many characters `putHex64` writes. */
export function hexLength(low: number, high: number): number {
  return high !== 0 ? 2 + 8 + ((32 - Math.clz32(high) + 3) >>> 2) : 2 + Math.max(1, (32 - Math.clz32(low) + 3) >>> 2);
}

/** How many characters `putDecimal` writes. */
export function decimalLength(value: number): number {
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
  return digits;
}
