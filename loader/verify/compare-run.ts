import { type ElfFile, readElfFile } from '../../elf/index.js';
import { type Engine, relocate } from '../engines/index.js';
import { finalWriteIndexes, type Plan } from '../model/index.js';
import { type Comparison, comparePlannedWords, type MemorySnapshot } from './compare.js';
import { comparedWords, type RunEnd, type VerifyMethod, type VerifyReport, type VerifyRun } from './report.js';
import { requireStaticPie } from './static-pie.js';
import type { StopPoint } from './stop-point.js';

/** The file, refused unless it is a static-PIE (ET_DYN, PT_DYNAMIC, no PT_INTERP). */
export function openStaticPie(file: string): ElfFile {
  const elf = readElfFile(file);
  requireStaticPie(elf);
  return elf;
}

/** Every planned word of a snapshot compared with what the engine predicts at the snapshot's base. */
export function comparePlanned(elf: ElfFile, planned: Plan, snapshot: MemorySnapshot, engine: Engine): Comparison {
  const { plan: used, image } = engine === 'ts' ? { plan: planned, image: undefined } : relocate(elf, snapshot.base, engine);
  return comparePlannedWords(used, snapshot, image);
}

export function comparedRun(comparison: Comparison, end: RunEnd, afterwards: VerifyRun['afterwards'] = undefined): VerifyRun {
  const compared = comparedWords(comparison);
  return { base: comparison.base, end, compared, verified: compared.differences.length === 0, afterwards, message: undefined };
}

export function buildReport(
  file: string,
  elf: ElfFile,
  method: VerifyMethod,
  stopPoint: StopPoint | undefined,
  planned: Plan,
  runs: VerifyRun[],
): VerifyReport {
  return {
    file,
    arch: elf.arch.name,
    wordSize: elf.reader.wordSize,
    method,
    stopPoint,
    plannedWords: finalWriteIndexes(planned).length,
    notChecked: planned.skipped,
    runs,
    verified: runs.every((run) => run.verified),
  };
}

export function wordMask(elf: ElfFile): bigint {
  return (1n << BigInt(elf.reader.wordSize * 8)) - 1n;
}
