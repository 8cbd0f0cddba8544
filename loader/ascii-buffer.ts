const encoder = new TextEncoder();

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
    return this.raw(encoder.encode(value));
  }

  raw(fragment: Uint8Array): this {
    this.reserve(fragment.length);
    const bytes = this.bytes;
    let length = this.length;
    for (let i = 0; i < fragment.length; i++) bytes[length++] = fragment[i] as number;
    this.length = length;
    return this;
  }

  decimal(value: number): this {
    this.reserve(10);
    const bytes = this.bytes;
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      bytes[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    return this;
  }

  /** `0x` and the word's hex digits without leading zeros. */
  hexWord(low: number, high: number): this {
    this.reserve(18);
    const bytes = this.bytes;
    let length = this.length;
    bytes[length++] = 0x30;
    bytes[length++] = 0x78;
    let shift = 28;
    if (high !== 0) {
      while (((high >>> shift) & 0xf) === 0) shift -= 4;
      for (; shift >= 0; shift -= 4) bytes[length++] = HEX[(high >>> shift) & 0xf] as number;
      shift = 28;
    } else {
      while (shift > 0 && ((low >>> shift) & 0xf) === 0) shift -= 4;
    }
    for (; shift >= 0; shift -= 4) bytes[length++] = HEX[(low >>> shift) & 0xf] as number;
    this.length = length;
    return this;
  }

  /** Room for `size` bytes written directly; `advance` then counts what was written. */
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

const HEX = encoder.encode('0123456789abcdef');
