import type { DifferenceKind, RelocationDifferenceKind } from '../model/index.js';
import type { CarriedRuntime } from './carried-runtime.js';
import type { CostReport } from './cost.js';
import type { Hazard } from './hazard.js';
import type { EntryClass } from './relocation-classes.js';
import type { RuntimeName } from './runtime-model.js';

/**
 * What a runtime does with the file:
 * - `safe`: it starts and leaves every relocated word as the plan does, and applies every entry
 *   the file needs;
 * - `breaks`: it starts, but words differ from the plan or entries the file needs are left alone;
 * - `refuses`: it stops before the program runs (a trap, fault, assertion or panic);
 * - `undefined`: what it does is undefined behaviour (an out-of-bounds or uninitialised access);
 * - `unsupported`: the runtime does not exist for the file's architecture;
 * - `not compared`: it starts, but piekit's own reading refuses the file, so there is no plan to compare with.
 */
export type RuntimeStatus = 'safe' | 'breaks' | 'refuses' | 'undefined' | 'unsupported' | 'not compared';
export const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['safe', 'breaks', 'refuses', 'undefined', 'unsupported', 'not compared'];

/** A word a runtime leaves other than the plan does (loader/model/compare.ts classifies it). */
export interface DifferingWord {
  /** Link-time address. */
  readonly vaddr: string;
  /** Run-time address at the report's base. */
  readonly address: string;
  /** The symbol holding the word (`name+0x8`), or its section, or null. */
  readonly symbol: string | null;
  readonly section: string | null;
  readonly kind: DifferenceKind;
  /** The plan's value, and the runtime's. */
  readonly expected: string;
  readonly actual: string;
  /** The plan's writes of that word, as `table#index`. */
  readonly writers: readonly string[];
}

export interface RuntimeReport {
  readonly runtime: RuntimeName;
  readonly describes: string;
  readonly status: RuntimeStatus;
  /** Why it refuses, is undefined, is not for this architecture or was not compared; for `breaks`, a summary. */
  readonly reason: string | null;
  /** Words that differ from the plan, or null when no memory was compared. */
  readonly differingWords: number | null;
  /** Differing words by kind (every kind present), or null when not classified (directory audits) or not compared. */
  readonly differences: Readonly<Record<RelocationDifferenceKind, number>> | null;
  /** The first differing words, by address. */
  readonly words: readonly DifferingWord[];
  /** Entries the file needs that this runtime leaves alone, by class (`relative`: DT_JMPREL ones). */
  readonly leftAlone: Readonly<Record<Exclude<EntryClass, 'none'> | 'relative', number>> | null;
  /** Entries it applies with values that depend on symbols or resolvers (not modelled), by type. */
  readonly applied: Readonly<Record<string, number>> | null;
  /** Tables of the file it never reads: "RELR", "DT_REL", "DT_JMPREL". */
  readonly ignoredTables: readonly string[];
}

/** `piekit audit --json` for one file; README.md documents each field. */
export interface AuditReport {
  readonly file: string;
  readonly arch: string;
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  /** The load base the models were run at. */
  readonly base: string;
  /** The runtime the file carries, recognised from its symbols, notes and strings. */
  readonly carried: CarriedRuntime;
  /** The models the exit status follows: the --runtime ones, else the carried runtime's (every model when it is unknown). */
  readonly judgedBy: readonly RuntimeName[];
  /** One line: what the file carries, what it is judged by, and the outcome. */
  readonly judgement: string;
  /** Every model's outcome, the ones not judged by included (information). */
  readonly verdict: string;
  /** Safe under every runtime judged by and no hazard of severity error: what makes the exit status 0. */
  readonly safe: boolean;
  readonly runtimes: readonly RuntimeReport[];
  readonly hazards: readonly Hazard[];
  /** Null when the PT_LOADs cannot be laid out, so that nothing of relocation can be counted. */
  readonly cost: CostReport | null;
}
