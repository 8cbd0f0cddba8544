import { closeSync, copyFileSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { type ElfFile, hostWordView, readElf, wordHalves } from '../../elf/index.js';

/** Chunks copied on first write: small enough that scattered word writes copy little. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

/** A chunk's bytes in `bytes`: not there yet (zeros, to be read from the input), the input's, or written. */
const ABSENT = 0;
const INPUT = 1;
const WRITTEN = 2;

/** Written chunks go out in runs of at most this many bytes per system call. */
const WRITE_RUN = 1 << 24;

/**
 * A converter's output: the input file with the chunks it wrote copied, and zeros past the
 * input's end; cut at `size` when that is shorter (pack gives freed table space back). Converting
 * a 130 MB library touches a few megabytes of it; copying the rest would cost more than the
 * conversion (fresh pages fault in one by one), and writing the output copies the input file in
 * the kernel and then writes only these chunks.
 *
 * The chunks live at their file offsets in one buffer of the output's size whose untouched pages
 * cost nothing: a chunk only zeroed stays untouched, and the output read as an ELF file (`asElf`)
 * is that same buffer, filled from the input where nothing was written.
 */
export class PatchedFile {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly state: Uint8Array;
  private readonly inputSize: number;

  constructor(
    readonly input: ElfFile,
    readonly size: number,
  ) {
    this.inputSize = input.bytes.length;
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.state = new Uint8Array(Math.ceil(size / CHUNK));
  }

  /** Makes chunk `index` hold its current bytes: the input's, where nothing was written yet. */
  private present(index: number): void {
    if (this.state[index] !== ABSENT) return;
    const start = index * CHUNK;
    const fromInput = Math.min(start + CHUNK, this.size, this.inputSize) - start;
    // Straight from the input's file: a file read lazily does not keep them a second time.
    if (fromInput > 0) this.input.reader.copyInto(start, fromInput, 'input bytes', this.bytes.subarray(start, start + fromInput));
    this.state[index] = INPUT;
  }

  /** Makes the chunks under [start, end) writable: present, and marked as written. */
  private writable(start: number, end: number): void {
    for (let index = start >>> CHUNK_BITS; index * CHUNK < end; index++) {
      if (this.state[index] === WRITTEN) continue;
      this.present(index);
      this.state[index] = WRITTEN;
    }
  }

  /**
   * A view of the whole output through which [start, end) is written field by field, for writers
   * of a million fields: those chunks are made present and marked written once, not per field.
   */
  writableView(start: number, end: number): DataView {
    this.writable(start, end);
    return this.view;
  }

  /** The output's 32-bit field at `at`: the chunk is made present, as a write to it would. */
  getUint32(at: number, little: boolean): number {
    if (this.state[at >>> CHUNK_BITS] === ABSENT || this.state[(at + 3) >>> CHUNK_BITS] === ABSENT) this.fillRange(at, at + 4);
    return this.view.getUint32(at, little);
  }

  setUint8(at: number, value: number): void {
    if (this.state[at >>> CHUNK_BITS] !== WRITTEN) this.writable(at, at + 1);
    this.bytes[at] = value;
  }

  setUint16(at: number, value: number, little: boolean): void {
    this.writable(at, at + 2);
    this.view.setUint16(at, value, little);
  }

  setUint32(at: number, value: number, little: boolean): void {
    if (this.state[at >>> CHUNK_BITS] !== WRITTEN || this.state[(at + 3) >>> CHUNK_BITS] !== WRITTEN) this.writable(at, at + 4);
    this.view.setUint32(at, value >>> 0, little);
  }

  setBigUint64(at: number, value: bigint, little: boolean): void {
    const low = Number(value & 0xffffffffn);
    const high = Number((value >> 32n) & 0xffffffffn);
    this.setUint32(little ? at : at + 4, low, little);
    this.setUint32(little ? at + 4 : at, high, little);
  }

  /**
   * Stores `count` words, given as file offsets and 32-bit halves. A word that holds its value
   * already is left alone and its chunk stays the input's, not to be written or compared again:
   * linkers often store a RELA addend in its word too, as pack does. Chunks are made present as
   * in `takeWords`.
   */
  setWords(at: Float64Array, low: Uint32Array, high: Uint32Array, count: number, wordSize: 4 | 8, little: boolean): void {
    const { view } = this;
    const words = hostWordView(this.bytes, little);
    const { lowAt, highAt } = wordHalves(wordSize, little);
    const lowWord = lowAt >>> 2;
    const highWord = highAt >>> 2;
    let readyFrom = 0;
    let readyTo = 0;
    for (let i = 0; i < count; i++) {
      const where = at[i] as number;
      if (where < readyFrom || where + wordSize > readyTo) {
        [readyFrom, readyTo] = this.chunksHolding(where, wordSize);
        this.fillRange(readyFrom, readyTo);
      }
      const lowValue = low[i] as number;
      const highValue = wordSize === 8 ? (high[i] as number) : 0;
      // On ELF32 both halves are the one word: the high half (0) is stored first and then over.
      if (words !== undefined && (where & 3) === 0) {
        const word = where >>> 2;
        if (words[word + lowWord] === lowValue && (wordSize === 4 || words[word + highWord] === highValue)) continue;
        this.writable(where, where + wordSize);
        words[word + highWord] = highValue;
        words[word + lowWord] = lowValue;
      } else {
        if (view.getUint32(where + lowAt, little) === lowValue && (wordSize === 4 || view.getUint32(where + highAt, little) === highValue)) continue;
        this.writable(where, where + wordSize);
        view.setUint32(where + highAt, highValue, little);
        view.setUint32(where + lowAt, lowValue, little);
      }
    }
  }

  /**
   * Reads `count` words at file offsets (a negative one is passed over) into `low` and `high`, and
   * with `zero` clears them: unpack moves a million words' values into its table this way. The
   * chunks under a word are made ready when it leaves those of the word before; words are read
   * and written in place where the file is in the host's order and the word 4-aligned.
   */
  takeWords(at: Float64Array, count: number, wordSize: 4 | 8, little: boolean, low: Uint32Array, high: Uint32Array, zero: boolean): void {
    const { view } = this;
    const words = hostWordView(this.bytes, little);
    const { lowAt, highAt } = wordHalves(wordSize, little);
    const lowWord = lowAt >>> 2;
    const highWord = highAt >>> 2;
    let readyFrom = 0;
    let readyTo = 0;
    for (let i = 0; i < count; i++) {
      const where = at[i] as number;
      if (where < 0) continue;
      if (where < readyFrom || where + wordSize > readyTo) {
        [readyFrom, readyTo] = this.chunksHolding(where, wordSize);
        if (zero) this.writable(readyFrom, readyTo);
        else this.fillRange(readyFrom, readyTo);
      }
      // On ELF32 both halves are the one word: its high half reads as the low one and is cleared twice.
      if (words !== undefined && (where & 3) === 0) {
        const word = where >>> 2;
        low[i] = words[word + lowWord] as number;
        high[i] = wordSize === 8 ? (words[word + highWord] as number) : 0;
        if (!zero) continue;
        words[word + lowWord] = 0;
        words[word + highWord] = 0;
      } else {
        low[i] = view.getUint32(where + lowAt, little);
        high[i] = wordSize === 8 ? view.getUint32(where + highAt, little) : 0;
        if (!zero) continue;
        view.setUint32(where + lowAt, 0, little);
        view.setUint32(where + highAt, 0, little);
      }
    }
  }

  /** The whole chunks holding bytes [at, at + size): the words that follow within them need no chunk made ready. */
  private chunksHolding(at: number, size: number): [number, number] {
    return [(at >>> CHUNK_BITS) * CHUNK, Math.min(this.size, (((at + size - 1) >>> CHUNK_BITS) + 1) * CHUNK)];
  }

  setBytes(at: number, bytes: Uint8Array): void {
    this.writable(at, at + bytes.length);
    this.bytes.set(bytes, at);
  }

  fill(start: number, end: number, value = 0): void {
    for (let at = start; at < end; ) {
      const index = at >>> CHUNK_BITS;
      const next = Math.min(end, (index + 1) * CHUNK);
      // A whole chunk zeroed before anything was read into it is zero already: left untouched.
      if (value === 0 && this.state[index] === ABSENT && at === index * CHUNK && next === Math.min(this.size, (index + 1) * CHUNK)) {
        this.state[index] = WRITTEN;
      } else {
        this.writable(at, next);
        this.bytes.fill(value, at, next);
      }
      at = next;
    }
  }

  /** The parts of the file range [start, end) that may not be the input's own bytes: written chunks, and past the input's end. */
  changedParts(start: number, end: number): [number, number][] {
    const parts: [number, number][] = [];
    for (let index = start >>> CHUNK_BITS; index * CHUNK < end; index++) {
      const from = Math.max(start, index * CHUNK);
      const to = Math.min(end, (index + 1) * CHUNK);
      if (this.state[index] !== WRITTEN && to <= this.inputSize) continue;
      const last = parts.at(-1);
      if (last !== undefined && last[1] === from) last[1] = to;
      else parts.push([from, to]);
    }
    return parts;
  }

  /** Copies the output's bytes [start, start + into.length) into `into`, keeping no chunk that was not here. */
  read(start: number, into: Uint8Array): void {
    const end = start + into.length;
    for (let at = start; at < end; ) {
      const index = at >>> CHUNK_BITS;
      const next = Math.min(end, (index + 1) * CHUNK);
      const part = into.subarray(at - start, next - start);
      if (this.state[index] !== ABSENT || at >= this.inputSize) part.set(this.bytes.subarray(at, next));
      else {
        const fromInput = Math.min(next, this.inputSize) - at;
        this.input.reader.copyInto(at, fromInput, 'input bytes', part);
        part.fill(0, fromInput);
      }
      at = next;
    }
  }

  /** Makes the output's bytes [start, end) present in `bytes`. */
  private fillRange(start: number, end: number): void {
    for (let index = start >>> CHUNK_BITS; index * CHUNK < Math.min(end, this.size); index++) this.present(index);
  }

  /** The whole output in memory. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.size);
    this.read(0, bytes);
    return bytes;
  }

  /** The output as an ELF file over the same buffer, whose bytes are read when a structure needs them. */
  asElf(): ElfFile {
    // e_ident is checked before anything asks for bytes.
    this.fillRange(0, CHUNK);
    const copy = (position: number, into: Uint8Array): number => {
      const length = Math.max(0, Math.min(into.length, this.size - position));
      this.read(position, into.subarray(0, length));
      return length;
    };
    const isPresent = (start: number, end: number): boolean => {
      for (let index = start >>> CHUNK_BITS; index * CHUNK < Math.min(end, this.size); index++) if (this.state[index] === ABSENT) return false;
      return true;
    };
    return readElf(this.bytes, { fill: (start, end) => this.fillRange(start, end), copy, isPresent });
  }

  /**
   * Writes the output to `path`, which must not exist yet: a copy of `inputPath` made by the kernel
   * (the input's bytes never pass through this process) with the written chunks over it, or,
   * without an input path, every byte; consecutive chunks go out in one call.
   */
  writeNew(path: string, inputPath: string | undefined): void {
    if (inputPath !== undefined) copyFileSync(inputPath, path);
    this.writeOver(path, inputPath !== undefined);
  }

  /** Writes the output to `path`: over a copy of the input file, only the written chunks; else every byte to a new file. */
  writeOver(path: string, overCopy: boolean): void {
    const fd = openSync(path, overCopy ? 'r+' : 'wx');
    try {
      const chunks = this.state.length;
      for (let index = 0; index < chunks; ) {
        if (overCopy && this.state[index] !== WRITTEN) {
          index++;
          continue;
        }
        let last = index + 1;
        while (last < chunks && (last - index) * CHUNK < WRITE_RUN && (!overCopy || this.state[last] === WRITTEN)) last++;
        const start = index * CHUNK;
        const end = Math.min(last * CHUNK, this.size);
        this.fillRange(start, end);
        for (let done = start; done < end; ) done += writeSync(fd, this.bytes, done, end - done, done);
        index = last;
      }
      ftruncateSync(fd, this.size);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
