import { createHash } from 'node:crypto';
import { ElfError, type ElfFile, hex, readElf, readElfFile } from '../../elf/index.js';
import { addressNamesOf, type Difference, type Plan, WriteList } from '../model/index.js';
import { type CarriedRuntime, carriedRuntime } from './carried-runtime.js';
import { costReport } from './cost.js';
import { type FileContext, fileContext } from './file-context.js';
import { type Hazard, SEVERITIES, simpleHazard } from './hazard.js';
import { findHazards } from './hazards.js';
import { PlanComparison, sameWrites } from './memory-diff.js';
import { Names } from './names.js';
import { type ModelRun, runModel } from './relocator.js';
import type { AuditReport, DifferingWord, RuntimeReport } from './report.js';
import type { RuntimeModel, RuntimeName } from './runtime-model.js';
import { RUNTIMES, runtime } from './runtimes.js';
import { breakReason, verdictOf } from './verdict.js';

export interface AuditOptions {
  /** The runtimes to judge the file under; every one when absent. */
  readonly runtimes?: readonly RuntimeName[];
  /** The load base the models run at; by default the first base piekit's loader uses for the architecture. */
  readonly base?: bigint;
  /** How many differing words each runtime lists (20 when absent). */
  readonly words?: number;
  /**
   * Classify each differing word (unrelocated, relocated twice, shifted, other) as `verify` does;
   * when false, differing words are only counted. Directory audits count: classifying every word
   * of every library costs more than the rest of the audit.
   */
  readonly classify?: boolean;
}

/** Audits a file from its path: reads only the bytes the audit needs. */
export function auditFile(path: string, options: AuditOptions = {}): AuditReport {
  return auditElf(readElfFile(path), path, options);
}

export function auditBytes(bytes: Uint8Array, file: string, options: AuditOptions = {}): AuditReport {
  return auditElf(readElf(bytes), file, options);
}

/**
 * The verdict, hazards and costs of one file. Throws the reader's ElfError when the file is not
 * a static-PIE candidate at all (not ELF, not ET_DYN, no dynamic array to find); anything wrong
 * after that is reported, piekit's own refusal as the `spec` runtime's.
 */
export function auditElf(elf: ElfFile, file: string, options: AuditOptions = {}): AuditReport {
  const context = fileContext(elf);
  const base = options.base ?? defaultBase(context);
  const planned = context.problems[0] ?? (context.reading as Plan);
  const expected = planned instanceof ElfError ? undefined : new PlanComparison(planned, base);
  const names = new Names(context);
  const models = (options.runtimes ?? RUNTIMES.map((model) => model.name)).map(runtime);
  const comparison = {
    planned,
    expected,
    wordLimit: options.words ?? 20,
    classify: options.classify ?? true,
    memo: new Map(),
    writes: new WriteList(),
  };
  const runtimes = models.map((model) => judge(context, model, comparison));
  const carried = carriedRuntime(elf, addressNamesOf(elf).symbols);
  const judgedBy = options.runtimes ?? judgedByDefault(carried, runtimes);
  const judged = runtimes.filter((report) => judgedBy.includes(report.runtime));
  const hazards = [
    ...findHazards(context, names, judgedBy.map(runtime)),
    ...releaseHazards(carried, options.runtimes === undefined ? judged : [], runtimes),
  ].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const safe = judged.every((report) => report.status === 'safe') && !hazards.some((hazard) => hazard.severity === 'error');
  return {
    file,
    arch: context.arch.name,
    class: elf.header.class,
    endian: elf.reader.endian,
    base: hex(base),
    carried,
    judgedBy,
    judgement: judgementOf(carried, judged, safe, options.runtimes !== undefined),
    verdict: verdictOf(context.arch.name, runtimes),
    safe,
    runtimes,
    hazards,
    cost: context.reading === undefined ? null : costReport(context, context.reading),
  };
}

/**
 * The models a file is judged by when none is asked for: the runtime it carries (carried-runtime.ts);
 * a file whose runtime is not recognised, by every model that exists for its architecture.
 */
function judgedByDefault(carried: CarriedRuntime, runtimes: readonly RuntimeReport[]): readonly RuntimeName[] {
  if (carried.judgedBy.length > 0) return carried.judgedBy;
  return runtimes.filter((report) => report.status !== 'unsupported').map((report) => report.runtime);
}

/**
 * A file that names no release of its runtime may have been built with an older one piekit models
 * too: where that one would not be safe while the judged one is, a warning says so.
 */
function releaseHazards(carried: CarriedRuntime, judged: readonly RuntimeReport[], runtimes: readonly RuntimeReport[]): Hazard[] {
  if (!judged.every((report) => report.status === 'safe')) return [];
  return carried.otherReleases.flatMap((name) => {
    const report = runtimes.find((candidate) => candidate.runtime === name);
    if (report === undefined || report.status === 'safe') return [];
    return [
      simpleHazard(
        'runtime-release',
        'warning',
        `the file names no ${carried.family} release: judged by ${carried.judgedBy.join(', ')}; built with ${name} it ${report.status === 'breaks' ? 'breaks' : report.status}${report.reason === null ? '' : ` (${report.reason})`} (--runtime ${name} judges it by that one)`,
      ),
    ];
  });
}

/** "judged by glibc-2.36, the runtime it carries (glibc 2.36: symbol …, note NT_GNU_ABI_TAG): safe". */
function judgementOf(carried: CarriedRuntime, judged: readonly RuntimeReport[], safe: boolean, asked: boolean): string {
  const names = judged.map((report) => report.runtime).join(', ');
  const what =
    carried.family === 'unknown'
      ? 'its runtime is not recognised'
      : `it carries ${carried.family}${carried.version === null ? '' : ` ${carried.version}`} (${carried.evidence.join(', ')})`;
  const by = asked
    ? `judged by ${names} (--runtime); ${what}`
    : carried.family === 'unknown'
      ? `${what}: judged by every model for its architecture`
      : `${what}: judged by ${names}`;
  return `${by}: ${safe ? 'safe' : 'not safe'}`;
}

/** A base the architecture's address space holds, aligned to its page (the records' loader bases). */
function defaultBase(context: FileContext): bigint {
  return context.arch.loaderBases[0] ?? 0x10000000n;
}

/** What every runtime is compared with, and the comparisons already made (runtimes often leave identical memory). */
interface ComparisonSetting {
  readonly planned: Plan | ElfError;
  readonly expected: PlanComparison | undefined;
  readonly wordLimit: number;
  readonly classify: boolean;
  readonly memo: Map<string, Pick<RuntimeReport, 'differingWords' | 'differences' | 'words'>>;
  /** Where each run writes, one run after the other. */
  readonly writes: WriteList;
}

function judge(context: FileContext, model: RuntimeModel, setting: ComparisonSetting): RuntimeReport {
  const { planned, expected, wordLimit, classify, memo, writes } = setting;
  const empty = { differingWords: null, differences: null, words: [], leftAlone: null, applied: null, ignoredTables: [] } as const;
  const report = (status: RuntimeReport['status'], reason: string | null, rest: Partial<RuntimeReport> = {}): RuntimeReport => ({
    runtime: model.name,
    describes: model.describes,
    status,
    reason,
    ...empty,
    ...rest,
  });
  if (model.name === 'spec' && planned instanceof ElfError)
    return report('refuses', `piekit's reader refuses it: ${planned.message} [${planned.code}]`);
  const run: ModelRun = runModel(context, model, writes);
  if (run.status !== 'runs') return report(run.status, run.reason);
  const leftAlone = {
    symbolic: run.leftAlone.symbolic,
    tls: run.leftAlone.tls,
    irelative: run.leftAlone.irelative,
    relative: run.leftAlone.relative,
  };
  const found = { leftAlone, applied: Object.fromEntries(run.applied), ignoredTables: run.ignoredTables };
  if (planned instanceof ElfError || expected === undefined) {
    return report('not compared', `piekit's reader refuses the file (${planned instanceof ElfError ? planned.code : 'no plan'})`, found);
  }
  // Most runtimes write what the plan writes: the same memory, which needs neither a digest nor a comparison.
  const key = sameWrites(planned, run) ? undefined : writesDigest(run);
  let compared = key === undefined ? undefined : memo.get(key);
  if (compared === undefined) {
    if (classify) {
      const tally = expected.tally(run, wordLimit);
      compared = { differingWords: tally.count, differences: tally.byKind, words: tally.first.map(differingWord) };
    } else {
      compared = { differingWords: expected.count(run), differences: null, words: [] };
    }
    if (key !== undefined) memo.set(key, compared);
  }
  const breaks = (compared.differingWords ?? 0) > 0 || Object.values(leftAlone).some((n) => n > 0);
  const summary = { ...compared, leftAlone, ignoredTables: run.ignoredTables };
  return report(breaks ? 'breaks' : 'safe', breaks ? breakReason(summary) : null, { ...found, ...compared });
}

/** The same writes in the same order leave the same memory: a digest of them keys the comparisons. */
function writesDigest(run: Extract<ModelRun, { status: 'runs' }>): string {
  const { writes } = run;
  const hash = createHash('sha1');
  for (const array of [writes.targets, writes.kinds, writes.addendLow, writes.addendHigh]) {
    hash.update(new Uint8Array(array.buffer, array.byteOffset, writes.count * array.BYTES_PER_ELEMENT));
  }
  return hash.digest('hex');
}

function differingWord(difference: Difference): DifferingWord {
  const symbol =
    difference.symbol === undefined
      ? null
      : difference.symbol.offset === 0n
        ? difference.symbol.name
        : `${difference.symbol.name}+${hex(difference.symbol.offset)}`;
  return {
    vaddr: hex(difference.vaddr),
    address: hex(difference.address),
    symbol,
    section: difference.section ?? null,
    kind: difference.kind,
    expected: hex(difference.expected),
    actual: hex(difference.actual),
    writers: difference.writers,
  };
}
