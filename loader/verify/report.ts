import type { ArchName, SymbolName } from '../../elf/index.js';
import type { ComparedWords, RunTimeResolved, SkippedRelocation } from '../model/index.js';
import type { StopPoint } from './gdbstub/stop-points.js';
import type { ResolvedCheck } from './resolved-check.js';

/** Where the memory compared came from. */
export type VerifyMethod = 'dump' | 'gdbstub' | 'core';

/** How a run ended, or where it was when its memory was read. */
export type RunEnd =
  /** Stopped at the stop point (for the first system call, the call made; unknown where registers cannot be read). */
  | { readonly reason: 'stop point'; readonly address: bigint | undefined }
  /** Stopped by a signal before the stop point (a crash); its memory was compared anyway. */
  | {
      readonly reason: 'signal';
      readonly signal: number;
      readonly signalName: string | undefined;
      /** Run-time program counter, when the stub can read registers. */
      readonly pc: bigint | undefined;
      /** Its link-time address and where it falls in the file, when it lies in the program. */
      readonly vaddr: bigint | undefined;
      readonly section: string | undefined;
      readonly symbol: SymbolName | undefined;
    }
  /** Exited before the stop point: nothing to compare. */
  | { readonly reason: 'exited'; readonly status: number }
  /** Killed by a signal before the stop point without stopping first: nothing to compare. */
  | { readonly reason: 'terminated'; readonly signal: number; readonly signalName: string | undefined }
  /** Neither stopped nor ended within the time allowed: nothing compared. */
  | { readonly reason: 'timeout'; readonly seconds: number }
  /** A sample's own dump, written right after its relocation, and how the sample then ended. */
  | { readonly reason: 'dump'; readonly exitStatus: number | undefined; readonly signal: string | undefined; readonly selfCheck: boolean }
  /** A core file, and the signal that produced it. */
  | { readonly reason: 'core'; readonly signal: number | undefined; readonly signalName: string | undefined };

/** How a program ended that was let run on from its stop point because its memory differed. */
export type Afterwards = Extract<RunEnd, { readonly reason: 'signal' | 'exited' | 'terminated' | 'timeout' }>;

export interface VerifyRun {
  /** The load base the program ran at; undefined when it never got that far. */
  readonly base: bigint | undefined;
  readonly end: RunEnd;
  /** undefined: nothing could be compared. */
  readonly compared: ComparedWords | undefined;
  /** The words IFUNC resolvers wrote, checked to point into code; undefined where not checked. */
  readonly resolved: ResolvedCheck | undefined;
  /** Every compared word as planned, and the run got far enough to tell (a dump's own checks passed). */
  readonly verified: boolean;
  /** Where a program whose memory differed went when let run on from the stop point (gdbstub only). */
  readonly afterwards: Afterwards | undefined;
  /** Something the run printed that explains its end (a loader's refusal, a sample's failed check). */
  readonly message: string | undefined;
}

export interface VerifyReport {
  readonly file: string;
  readonly arch: ArchName;
  /** The file's word size in bytes. */
  readonly wordSize: 4 | 8;
  readonly method: VerifyMethod;
  /** Where a running program was stopped (gdbstub only). */
  readonly stopPoint: StopPoint | undefined;
  /** Distinct words the plan relocates. */
  readonly plannedWords: number;
  /** Relocations startup code does not apply, so not checked. */
  readonly notChecked: readonly SkippedRelocation[];
  /** IRELATIVE entries, whose words a resolver writes at run time; why they are not checked at this stop, if not. */
  readonly resolvedAtRunTime: { readonly entries: readonly RunTimeResolved[]; readonly notCheckedBecause: string | undefined };
  readonly runs: readonly VerifyRun[];
  /** Every run verified. */
  readonly verified: boolean;
}
