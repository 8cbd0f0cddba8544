const encoder = new TextEncoder();
const HEX_DIGITS = encoder.encode('0123456789abcdef');

/**
 * A growable byte buffer for large ASCII documents: `piekit plan --json` on a big library writes
 * tens of megabytes, and building them as strings costs more than the planning itself.
 */
export class AsciiBuffer {
  private bytes: Uint8Array;
  private length = 0;

  /** A good `capacity` estimate saves the copies of growing. */
  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Pre-encodes a fragment written many times. */
  static fragment(text: string): Uint8Array {
    return encoder.encode(text);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const wider = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    wider.set(this.bytes.subarray(0, this.length));
    this.bytes = wider;
  }

  text(value: string): this {
    const fragment = encoder.encode(value);
    this.reserve(fragment.length);
    this.length = putBytes(this.bytes, this.length, fragment);
    return this;
  }

  /** Room for `size` bytes written directly (with the `put` functions); `advance` then counts what was written. */
  unwritten(size: number): Uint8Array {
    this.reserve(size);
    return this.bytes.subarray(this.length, this.length + size);
  }

  advance(written: number): this {
    this.length += written;
    return this;
  }

  toBytes(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

// The put functions write at `at` and return the offset after what they wrote. A loop of byte
// stores beats `set` on fragments this short.

export function putBytes(bytes: Uint8Array, at: number, fragment: Uint8Array): number {
  for (let i = 0; i < fragment.length; i++) bytes[at + i] = fragment[i] as number;
  return at + fragment.length;
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
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 10)) bytes[at + i] = 0x30 + (rest % 10);
  return at + digits;
}
