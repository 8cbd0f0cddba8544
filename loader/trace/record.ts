import { open } from 'node:fs/promises';
import { PiekitError } from '../errors.js';

/**
 * What native/trace/trace.c writes: a 16-byte header ("PKTRACE\0", version 1, the records written),
 * then 32-byte records in the host's byte order, in a sparse file of the plugin's full capacity.
 */
const MAGIC = 'PKTRACE\0';
const HEADER_SIZE = 16;
const RECORD_SIZE = 32;

export const RECORD_LOAD = 1;
export const RECORD_STORE = 2;
export const RECORD_START = 3;
export const RECORD_SYSCALL = 4;
export const RECORD_STOP = 5;
export const RECORD_EXIT = 6;
export const RECORD_FULL = 7;

/** The plugin's record, left as bytes: a startup makes hundreds of thousands of accesses. */
export interface TraceRecord {
  readonly count: number;
  readonly view: DataView;
}

/** Reads the record; undefined when qemu never loaded the plugin (no file, or not its header). */
export async function readRecord(path: string): Promise<TraceRecord | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const head = Buffer.alloc(HEADER_SIZE);
    const { bytesRead } = await handle.read(head, 0, HEADER_SIZE, 0);
    if (bytesRead < HEADER_SIZE || head.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const version = head.readUInt32LE(8);
    if (version !== 1) throw new PiekitError('UNVERIFIABLE', `the trace record has version ${version}, not 1`);
    const wanted = head.readUInt32LE(12) * RECORD_SIZE;
    const bytes = Buffer.alloc(wanted);
    const read = wanted === 0 ? 0 : (await handle.read(bytes, 0, wanted, HEADER_SIZE)).bytesRead;
    const count = Math.floor(read / RECORD_SIZE);
    return { count, view: new DataView(bytes.buffer, bytes.byteOffset, count * RECORD_SIZE) };
  } finally {
    await handle.close();
  }
}

export function kindAt(record: TraceRecord, index: number): number {
  return record.view.getUint32(index * RECORD_SIZE + 28, true);
}

/** Instructions qemu executed before this record's instruction, since it started. */
export function countAt(record: TraceRecord, index: number): bigint {
  return record.view.getBigUint64(index * RECORD_SIZE, true);
}

export function pcAt(record: TraceRecord, index: number): bigint {
  return record.view.getBigUint64(index * RECORD_SIZE + 8, true);
}

export function addressAt(record: TraceRecord, index: number): bigint {
  return record.view.getBigUint64(index * RECORD_SIZE + 16, true);
}

export function sizeAt(record: TraceRecord, index: number): number {
  return record.view.getUint32(index * RECORD_SIZE + 24, true);
}
