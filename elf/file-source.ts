import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type ElfFile, readElf } from './file.js';

/** Reads happen in chunks of this size, so many small structures cost few system calls. */
const CHUNK = 1 << 16;

/**
 * Opens an ELF file whose bytes are read from disk only when a structure needs them. The buffer
 * is allocated whole (untouched pages cost nothing) so offsets stay file offsets.
 */
export function readElfFile(path: string): ElfFile {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  const bytes = new Uint8Array(size);
  const present = new Uint8Array(Math.ceil(size / CHUNK));
  const fill = (start: number, end: number): void => {
    let first = Math.floor(start / CHUNK);
    const last = Math.ceil(Math.min(end, size) / CHUNK);
    while (first < last && present[first] === 1) first++;
    if (first >= last) return;
    const handle = openSync(path, 'r');
    try {
      for (let chunk = first; chunk < last; chunk++) {
        if (present[chunk] === 1) continue;
        let run = chunk;
        while (run < last && present[run] !== 1) present[run++] = 1;
        const from = chunk * CHUNK;
        const to = Math.min(run * CHUNK, size);
        for (let done = from; done < to; ) done += readSync(handle, bytes, done, to - done, done) || to - done;
        chunk = run - 1;
      }
    } finally {
      closeSync(handle);
    }
  };
  const isPresent = (start: number, end: number): boolean => {
    for (let chunk = Math.floor(start / CHUNK); chunk < Math.ceil(Math.min(end, size) / CHUNK); chunk++) if (present[chunk] !== 1) return false;
    return true;
  };
  const copy = (position: number, into: Uint8Array): number => {
    const end = Math.min(position + into.length, size);
    if (isPresent(position, end)) {
      into.set(bytes.subarray(position, end));
      return end - position;
    }
    const handle = openSync(path, 'r');
    try {
      let done = 0;
      for (let got = 1; done < into.length && got > 0; done += got) got = readSync(handle, into, done, into.length - done, position + done);
      return done;
    } finally {
      closeSync(handle);
    }
  };
  fill(0, CHUNK);
  return readElf(bytes, { fill, copy, isPresent });
}
