import type { ArchName, SymbolName } from '../../elf/index.js';
import type { StopPoint } from '../verify/index.js';
import type { FindingKind, TracedWordCounts } from './judge.js';

/** An instruction of the trace, placed in the file. */
export interface TraceSite {
  readonly pc: bigint;
  readonly vaddr: bigint | undefined;
  readonly symbol: SymbolName | undefined;
  /** Instructions executed from the program's entry before this one. */
  readonly count: bigint;
}

export interface TraceFinding {
  readonly kind: FindingKind;
  readonly word: { readonly address: bigint; readonly vaddr: bigint; readonly section: string | undefined; readonly symbol: SymbolName | undefined };
  /** The reading instruction, the extra or foreign store; undefined for a word never written. */
  readonly by: TraceSite | undefined;
  /** The store that relocated the word. */
  readonly relocatedBy: TraceSite | undefined;
  readonly stores: number;
  readonly planned: number;
}

/** Where the trace ended. */
export type TraceEnd =
  /** The address is unknown where verify's debugger held the program at a system call and cannot read registers. */
  | { readonly reason: 'stop point'; readonly address: bigint | undefined }
  | { readonly reason: 'system call'; readonly number: bigint }
  | { readonly reason: 'exited'; readonly status: number }
  | { readonly reason: 'terminated'; readonly signalName: string }
  | { readonly reason: 'timeout'; readonly seconds: number }
  | { readonly reason: 'record full'; readonly records: number };

export interface TraceStop {
  readonly kind: StopPoint['kind'];
  readonly symbol: string | undefined;
  /** Link-time address; undefined for the first system call. */
  readonly vaddr: bigint | undefined;
  readonly chosenBy: StopPoint['chosenBy'];
  readonly reached: boolean;
  readonly end: TraceEnd;
}

export interface TraceRelocator {
  /** The lowest and highest relocating store instructions (each `count` is the first and last relocating store's). */
  readonly low: TraceSite;
  readonly high: TraceSite;
  /** Instructions from the entry before the first relocating store. */
  readonly firstRelocation: bigint;
  /** Instructions from the entry up to and including the last relocating store. */
  readonly instructions: bigint;
  /** The plan's writes: what one relocation is. */
  readonly relocations: number;
  readonly instructionsPerRelocation: number;
  /** Instructions from the first relocating store to the last, both included: the loops alone, per relocation. */
  readonly loopInstructionsPerRelocation: number;
  readonly pagesDirtied: number;
}

export interface TraceReport {
  readonly file: string;
  readonly arch: ArchName;
  readonly base: bigint;
  readonly stop: TraceStop;
  readonly plannedWords: number;
  readonly words: TracedWordCounts;
  readonly findings: readonly TraceFinding[];
  readonly relocator: TraceRelocator | undefined;
  /** The program's first system call: its number and the instructions before it. */
  readonly firstSystemCall: { readonly number: bigint; readonly count: bigint } | undefined;
  /** Stopped where asked, and every planned word relocated once by the relocator, none read before. */
  readonly clean: boolean;
}
