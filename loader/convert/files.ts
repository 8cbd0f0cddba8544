import { statSync } from 'node:fs';
import { type ElfFile, readElfFile } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { type CarriedJudgement, describeJudgement, judgeByCarriedRuntime } from './carried-check.js';
import type { Conversion } from './conversion.js';
import { modeOf, writeAtomically } from './output.js';

export interface ConvertFileOptions {
  /** Write OUT even when the runtime FILE carries would relocate it wrongly. */
  readonly force?: boolean;
}

/** A conversion, and how the runtime FILE carries relocates it (undefined when none is recognised or none runs). */
export interface CheckedConversion extends Conversion {
  readonly carried: CarriedJudgement | undefined;
}

/**
 * Converts FILE into OUT: FILE is read whole and never written; OUT gets FILE's permission bits and
 * appears whole or not at all, only after the conversion has proved itself and the runtime FILE
 * carries has been shown to relocate it as planned (or `force`). When there was nothing to convert
 * OUT is a copy of FILE, so that a build step that packs every file always finds its output.
 * Returns the conversion for its report.
 */
export function convertFile(
  file: string,
  out: string | undefined,
  convert: (elf: ElfFile) => Conversion,
  options: ConvertFileOptions = {},
): CheckedConversion {
  if (out !== undefined && sameFile(file, out))
    throw new PiekitError('USAGE', `OUT is FILE (${out}): piekit never modifies its input, choose another OUT`);
  // Read lazily: a conversion reads its headers, tables and relocated segments, not the code.
  const elf = readElfFile(file);
  const conversion = convert(elf);
  const carried = judgeByCarriedRuntime(elf, conversion);
  if (carried !== undefined && !carried.safe && options.force !== true) {
    throw new PiekitError(
      'RUNTIME_BREAKS',
      `${file}: ${conversion.command} not written: it carries ${carried.carries}, and ${describeJudgement(carried)}; --force writes it anyway`,
    );
  }
  if (out !== undefined) writeAtomically(out, modeOf(file), (temporary) => conversion.output.writeNew(temporary, file));
  return { ...conversion, carried };
}

function sameFile(a: string, b: string): boolean {
  const first = statSync(a, { throwIfNoEntry: false });
  const second = statSync(b, { throwIfNoEntry: false });
  return first !== undefined && second !== undefined && first.dev === second.dev && first.ino === second.ino;
}
