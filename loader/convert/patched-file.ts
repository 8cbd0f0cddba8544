import { closeSync, copyFileSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { type ElfFile, readElf } from '../../elf/index.js';

/** Chunks copied on first write: small enough that scattered word writes copy little. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

/**
 * A converter's output: the input file with the chunks it wrote copied, and zeros past the
 * input's end; cut at `size` when that is shorter (pack gives freed table space back). Converting a 130 MB library touches a few megabytes of it; copying the rest would
 * cost more than the conversion (fresh pages fault in one by one), and writing the output copies
 * the input file in the kernel and then writes only these chunks.
 */
export class PatchedFile {
  private readonly chunks: (Uint8Array | undefined)[];
  private readonly views: (DataView | undefined)[];
  private readonly inputSize: number;

  constructor(
    readonly input: ElfFile,
    readonly size: number,
  ) {
    this.inputSize = input.bytes.length;
    const count = Math.ceil(size / CHUNK);
    this.chunks = new Array<Uint8Array | undefined>(count).fill(undefined);
    this.views = new Array<DataView | undefined>(count).fill(undefined);
  }

  /** The writable copy of chunk `index`, made on first use. */
  private chunk(index: number): Uint8Array {
    const present = this.chunks[index];
    if (present !== undefined) return present;
    const start = index * CHUNK;
    const end = Math.min(start + CHUNK, this.size);
    const copy = new Uint8Array(end - start);
    const fromInput = Math.min(end, this.inputSize) - start;
    if (fromInput > 0) {
      this.input.reader.range(start, fromInput, 'input bytes');
      copy.set(this.input.bytes.subarray(start, start + fromInput));
    }
    this.chunks[index] = copy;
    this.views[index] = new DataView(copy.buffer);
    return copy;
  }

  private view(index: number): DataView {
    this.chunk(index);
    return this.views[index] as DataView;
  }

  setUint8(at: number, value: number): void {
    (this.chunk(at >>> CHUNK_BITS) as Uint8Array)[at & (CHUNK - 1)] = value;
  }

  setUint16(at: number, value: number, little: boolean): void {
    if ((at & (CHUNK - 1)) <= CHUNK - 2) this.view(at >>> CHUNK_BITS).setUint16(at & (CHUNK - 1), value, little);
    else this.bytewise(at, value, 2, little);
  }

  setUint32(at: number, value: number, little: boolean): void {
    if ((at & (CHUNK - 1)) <= CHUNK - 4) this.view(at >>> CHUNK_BITS).setUint32(at & (CHUNK - 1), value >>> 0, little);
    else this.bytewise(at, value >>> 0, 4, little);
  }

  setBigUint64(at: number, value: bigint, little: boolean): void {
    const low = Number(value & 0xffffffffn);
    const high = Number((value >> 32n) & 0xffffffffn);
    this.setUint32(little ? at : at + 4, low, little);
    this.setUint32(little ? at + 4 : at, high, little);
  }

  /** A field that straddles two chunks. */
  private bytewise(at: number, value: number, size: number, little: boolean): void {
    for (let byte = 0; byte < size; byte++) this.setUint8(at + (little ? byte : size - 1 - byte), Math.floor(value / 2 ** (8 * byte)) & 0xff);
  }

  setBytes(at: number, bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) {
      const index = (at + done) >>> CHUNK_BITS;
      const within = (at + done) & (CHUNK - 1);
      const length = Math.min(bytes.length - done, CHUNK - within);
      this.chunk(index).set(bytes.subarray(done, done + length), within);
      done += length;
    }
  }

  fill(start: number, end: number, value = 0): void {
    for (let at = start; at < end; ) {
      const within = at & (CHUNK - 1);
      const length = Math.min(end - at, CHUNK - within);
      this.chunk(at >>> CHUNK_BITS).fill(value, within, within + length);
      at += length;
    }
  }

  /** The parts of the file range [start, end) that may not be the input's own bytes: written chunks, and past the input's end. */
  changedParts(start: number, end: number): [number, number][] {
    const parts: [number, number][] = [];
    for (let index = start >>> CHUNK_BITS; index * CHUNK < end; index++) {
      const from = Math.max(start, index * CHUNK);
      const to = Math.min(end, (index + 1) * CHUNK);
      if (this.chunks[index] === undefined && to <= this.inputSize) continue;
      const last = parts.at(-1);
      if (last !== undefined && last[1] === from) last[1] = to;
      else parts.push([from, to]);
    }
    return parts;
  }

  /** Copies the output's bytes [start, start + into.length) into `into`. */
  read(start: number, into: Uint8Array): void {
    const end = start + into.length;
    for (let at = start; at < end; ) {
      const index = at >>> CHUNK_BITS;
      const within = at & (CHUNK - 1);
      const length = Math.min(end - at, CHUNK - within);
      const chunk = this.chunks[index];
      if (chunk !== undefined) {
        into.set(chunk.subarray(within, within + length), at - start);
      } else if (at < this.inputSize) {
        const fromInput = Math.min(length, this.inputSize - at);
        this.input.reader.range(at, fromInput, 'input bytes');
        into.set(this.input.bytes.subarray(at, at + fromInput), at - start);
      }
      at += length;
    }
  }

  /** The whole output in memory. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.size);
    this.read(0, bytes);
    return bytes;
  }

  /** The output as an ELF file whose bytes are read when a structure needs them. */
  asElf(): ElfFile {
    const bytes = new Uint8Array(this.size);
    const present = new Uint8Array(Math.ceil(this.size / CHUNK));
    const fill = (start: number, end: number): void => {
      for (let index = start >>> CHUNK_BITS; index * CHUNK < Math.min(end, this.size); index++) {
        if (present[index] === 1) continue;
        present[index] = 1;
        this.read(index * CHUNK, bytes.subarray(index * CHUNK, Math.min((index + 1) * CHUNK, this.size)));
      }
    };
    // e_ident is checked before anything asks for bytes.
    fill(0, CHUNK);
    const copy = (position: number, into: Uint8Array): number => {
      const length = Math.max(0, Math.min(into.length, this.size - position));
      this.read(position, into.subarray(0, length));
      return length;
    };
    return readElf(bytes, { fill, copy });
  }

  /**
   * Writes the output to `path`, which must not exist yet: a copy of `inputPath` made by the kernel
   * (the input's bytes never pass through this process) with the changed chunks written over it,
   * or, without an input path, every byte.
   */
  writeNew(path: string, inputPath: string | undefined): void {
    if (inputPath !== undefined) copyFileSync(inputPath, path);
    const fd = openSync(path, inputPath === undefined ? 'wx' : 'r+');
    try {
      for (let index = 0; index < this.chunks.length; index++) {
        const chunk = this.chunks[index];
        if (chunk === undefined && inputPath !== undefined) continue;
        const bytes = chunk ?? this.copyOfChunk(index);
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, index * CHUNK + done);
      }
      ftruncateSync(fd, this.size);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private copyOfChunk(index: number): Uint8Array {
    const bytes = new Uint8Array(Math.min(CHUNK, this.size - index * CHUNK));
    this.read(index * CHUNK, bytes);
    return bytes;
  }
}
