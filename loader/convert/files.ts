import { statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
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
  if (out !== undefined) refuseSameFile(file, out);
  const conversion = checkedConversion(file, convert, options);
  if (out !== undefined) writeAtomically(out, modeOf(file), (temporary) => conversion.output.writeNew(temporary, file));
  return conversion;
}

/**
 * `convertFile`, with OUT's copy of FILE made by the kernel on a thread of its own while the
 * conversion runs here: on more than one core, writing a 130 MB library then costs little more
 * than its changed chunks. A refused conversion waits for the copy and removes it.
 */
export async function convertFileWhileCopying(
  file: string,
  out: string | undefined,
  convert: (elf: ElfFile) => Conversion,
  options: ConvertFileOptions = {},
): Promise<CheckedConversion> {
  if (out === undefined) return convertFile(file, out, convert, options);
  refuseSameFile(file, out);
  return writeAtomically(out, modeOf(file), async (temporary) => {
    const copied = copyFile(file, temporary).then(
      () => undefined,
      (error: unknown) => error,
    );
    let conversion: CheckedConversion;
    try {
      conversion = checkedConversion(file, convert, options);
    } catch (error) {
      await copied;
      throw error;
    }
    const failure = await copied;
    if (failure !== undefined) throw failure;
    conversion.output.writeOver(temporary, true);
    return conversion;
  });
}

function refuseSameFile(file: string, out: string): void {
  if (sameFile(file, out)) throw new PiekitError('USAGE', `OUT is FILE (${out}): piekit never modifies its input, choose another OUT`);
}

/** FILE converted and judged by the runtime it carries; refused when that runtime would break it (unless `force`). */
function checkedConversion(file: string, convert: (elf: ElfFile) => Conversion, options: ConvertFileOptions): CheckedConversion {
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
  return { ...conversion, carried };
}

function sameFile(a: string, b: string): boolean {
  const first = statSync(a, { throwIfNoEntry: false });
  const second = statSync(b, { throwIfNoEntry: false });
  return first !== undefined && second !== undefined && first.dev === second.dev && first.ino === second.ino;
}
