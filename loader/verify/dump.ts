import { ElfError, type Endian } from '../../elf/index.js';
import type { Plan } from '../model/index.js';

/** A sample's memory after its own relocation, as written to fd 3 (docs/dump-format.md). */
export interface Dump {
  readonly wordSize: 4 | 8;
  readonly endian: Endian;
  readonly base: bigint;
  readonly segments: readonly DumpSegment[];
}

export interface DumpSegment {
  readonly vaddr: bigint;
  readonly bytes: Uint8Array;
}

const MAGIC = 'PIEKDUMP';
const VERSION = 1;
const HEADER_SIZE = 16;

export function parseDump(bytes: Uint8Array): Dump {
  const fail = (what: string): never => {
    throw new ElfError('BAD_DUMP', `Invalid dump ${what}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`header: ${bytes.length} bytes, at least ${HEADER_SIZE} needed`);
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) fail('magic: expected PIEKDUMP');
  if (bytes[8] !== VERSION) fail(`version: ${bytes[8]}`);
  const wordSize = bytes[9];
  if (wordSize !== 4 && wordSize !== 8) return fail(`word size: ${wordSize}`);
  const order = bytes[10];
  if (order !== 1 && order !== 2) return fail(`byte order: ${order}`);
  const little = order === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = HEADER_SIZE;
  const word = (what: string): bigint => {
    if (at + wordSize > bytes.length) fail(`${what}: the stream ends at byte ${bytes.length}`);
    const value = wordSize === 8 ? view.getBigUint64(at, little) : BigInt(view.getUint32(at, little));
    at += wordSize;
    return value;
  };
  const base = word('load base');
  const count = word('segment count');
  const segments: DumpSegment[] = [];
  for (let index = 0n; index < count; index++) {
    const vaddr = word(`segment ${index} p_vaddr`);
    const memsz = word(`segment ${index} p_memsz`);
    if (memsz > BigInt(bytes.length - at)) fail(`segment ${index}: ${memsz} bytes announced, ${bytes.length - at} left`);
    segments.push({ vaddr, bytes: bytes.subarray(at, at + Number(memsz)) });
    at += Number(memsz);
    at += (wordSize - (at % wordSize)) % wordSize;
  }
  return { wordSize, endian: little ? 'little' : 'big', base, segments };
}

/** A dump must come from a program of the plan's own class and byte order. */
export function checkDumpFits(plan: Plan, dump: Dump): void {
  const { wordSize } = plan.layout;
  const endian = plan.elf.reader.endian;
  if (dump.wordSize !== wordSize || dump.endian !== endian) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${dump.wordSize * 8}-bit ${dump.endian}-endian, the file is ${wordSize * 8}-bit ${endian}-endian`);
  }
}
