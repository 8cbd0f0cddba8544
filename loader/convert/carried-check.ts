import { DT_NEEDED, type ElfFile, PT_INTERP, readRelocationInfo } from '../../elf/index.js';
// The modules themselves, not audit's index: pack and unpack need neither its worker pool nor its walker.
import { auditElf } from '../audit/audit.js';
import { carriedRuntime } from '../audit/carried-runtime.js';
import type { RuntimeReport } from '../audit/report.js';
import type { Conversion } from './conversion.js';

/** How the runtime a static-PIE carries would relocate a conversion of it (loader/audit judges it). */
export interface CarriedJudgement {
  /** "musl 1.2.3", or "musl" when the file names no release (then every modelled release judges it). */
  readonly carries: string;
  /** The models of that runtime, and what each makes of the converted file. */
  readonly runtimes: readonly Pick<RuntimeReport, 'runtime' | 'status' | 'reason' | 'differingWords'>[];
  readonly safe: boolean;
}

/**
 * The converted file judged by the runtime FILE carries, or undefined when no carried runtime
 * relocates FILE: its runtime is not recognised, or a dynamic linker does the work (PT_INTERP,
 * DT_NEEDED: the libc's startup code in such a file never sees its tables).
 */
export function judgeByCarriedRuntime(input: ElfFile, conversion: Conversion): CarriedJudgement | undefined {
  if (!conversion.changed) return undefined;
  if (input.programHeaders.some((header) => header.type === PT_INTERP)) return undefined;
  if (readRelocationInfo(input).dynamic.entries.some((entry) => entry.tag === DT_NEEDED)) return undefined;
  const carried = carriedRuntime(input);
  if (carried.judgedBy.length === 0) return undefined;
  // A file that names no release may have been built with any one piekit models: each must relocate it.
  const report = auditElf(conversion.output.asElf(), '', { runtimes: [...carried.judgedBy, ...carried.otherReleases], words: 0 });
  const runtimes = report.runtimes.map(({ runtime, status, reason, differingWords }) => ({ runtime, status, reason, differingWords }));
  return {
    carries: carried.version === null ? carried.family : `${carried.family} ${carried.version}`,
    runtimes,
    safe: runtimes.every((judged) => judged.status === 'safe'),
  };
}

/** "musl-1.2.3 breaks it (no RELR: 11 words left unrelocated)". */
export function describeJudgement(judgement: CarriedJudgement): string {
  return judgement.runtimes
    .map(
      (judged) =>
        `${judged.runtime} ${judged.status === 'safe' ? 'relocates it as planned' : `${judged.status === 'breaks' ? 'breaks it' : judged.status}${judged.reason === null ? '' : ` (${judged.reason})`}`}`,
    )
    .join('; ');
}
