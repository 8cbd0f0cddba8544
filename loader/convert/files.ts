import { statSync } from 'node:fs';
import { type ElfFile, readElfFile } from '../../elf/index.js';
import type { Conversion } from './conversion.js';
import { modeOf, writeAtomically } from './output.js';

/**
 * Converts FILE into OUT: FILE is read whole and never written; OUT gets FILE's permission bits and
 * appears whole or not at all, only after the conversion has proved itself. When there was
 * nothing to convert OUT is a copy of FILE, so that a build step that packs every file always
 * finds its output. Returns the conversion for its report.
 */
export function convertFile(file: string, out: string | undefined, convert: (elf: ElfFile) => Conversion): Conversion {
  if (out !== undefined && sameFile(file, out)) throw new SameFileError(`OUT is FILE (${out}): piekit never modifies its input, choose another OUT`);
  // Read lazily: a conversion reads its headers, tables and relocated segments, not the code.
  const conversion = convert(readElfFile(file));
  if (out !== undefined) writeAtomically(out, modeOf(file), (temporary) => conversion.output.writeNew(temporary, file));
  return conversion;
}

/** OUT names FILE itself (or a hard link to it). */
export class SameFileError extends Error {
  override readonly name = 'SameFileError';
}

function sameFile(a: string, b: string): boolean {
  const first = statSync(a, { throwIfNoEntry: false });
  const second = statSync(b, { throwIfNoEntry: false });
  return first !== undefined && second !== undefined && first.dev === second.dev && first.ino === second.ino;
}
