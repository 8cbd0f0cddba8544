/**
 * Verifying a static-PIE's own relocation by one of three methods, each in its own home: a
 * sample's dump (dump.ts), a core file (core.ts), or the program stopped under qemu-user's GDB
 * stub (gdbstub/). Each method returns its runs; the report is assembled here.
 */
import { type ElfFile, readElfFile, requireStaticPie } from '../../elf/index.js';
import type { Engine } from '../engines/index.js';
import { PiekitError } from '../errors.js';
import { finalWriteIndexes, type Plan, plan } from '../model/index.js';
import { coreRun } from './core.js';
import { dumpRun } from './dump.js';
import { hasDumpHook } from './dump-hook.js';
import { nothingComparedReason } from './empty-plan.js';
import { stoppedRuns } from './gdbstub/run.js';
import type { StopPoint } from './gdbstub/stop-points.js';
import type { RunObserver } from './observer.js';
import type { VerifyMethod, VerifyReport, VerifyRun } from './report.js';
import { whyResolvedNotChecked } from './resolved-check.js';

export interface VerifyOptions {
  /** Stop here (a symbol name, or a link-time address) instead of right after the relocator the symbols reveal. */
  readonly stopAt?: string | bigint;
  /** Run through piekit's loader at this base, or at a new random one each run. */
  readonly base?: bigint | 'random';
  /** How many runs (1 by default); more than one needs a base. */
  readonly runs?: number;
  /** Per run, until the stop point (30 s by default). */
  readonly timeoutMs?: number;
  /** The program's arguments. */
  readonly args?: readonly string[];
  /** Which implementation predicts the memory: TypeScript (default) or startup/relocate.c in-process. */
  readonly engine?: Engine;
  /** Samples with the dump hook only: the command that runs them (default: the file's emulator, none on the host). */
  readonly runner?: readonly string[];
  /** Seconds a program whose words differ may run on from the stop, to report where it goes; by default it is killed there. */
  readonly runOnSeconds?: number;
  /** Watches the first run from inside its qemu (verify --trace: the trace plugin); the run is then under qemu even on the host. */
  readonly observer?: RunObserver;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Verifies a static-PIE's own relocation: a file with piekit's dump hook runs and dumps its memory
 * (unless a stop point is asked for); any other runs under qemu-user's GDB stub (verifyRunning).
 */
export async function verifyFile(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const elf = openStaticPie(file);
  const count = runCount(options);
  if (options.stopAt !== undefined || !hasDumpHook(elf)) return verifyStopped(file, elf, options, count);
  const engine = options.engine ?? 'ts';
  // The TypeScript plan does not depend on the base: one serves every run.
  const planned = engine === 'ts' ? plan(elf) : undefined;
  const runs: VerifyRun[] = [];
  for (let n = 0; n < count; n++) {
    const observer = n === 0 ? options.observer : undefined;
    if (observer !== undefined && options.runner !== undefined)
      throw new PiekitError('USAGE', "a runner cannot be observed: the observed run is under qemu-user, with the observer's options");
    const request = { elf, file, plan: planned, engine, base: options.base, runner: options.runner, args: options.args ?? [], observer };
    runs.push(await dumpRun({ ...request, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }));
  }
  return report(file, elf, 'dump', undefined, planned ?? plan(elf), runs);
}

/** Runs FILE under qemu-user's GDB stub, stops it when its relocator is done, and compares every planned word. */
export async function verifyRunning(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyStopped(file, openStaticPie(file), options, runCount(options));
}

/** Compares the memory in a core file of FILE (from Linux or qemu-user) with the plan. */
export async function verifyCore(file: string, core: string, options: { readonly engine?: Engine } = {}): Promise<VerifyReport> {
  const elf = openStaticPie(file);
  const { plan: planned, run } = await coreRun(file, elf, core, options.engine ?? 'ts');
  return report(file, elf, 'core', undefined, planned, [run]);
}

async function verifyStopped(file: string, elf: ElfFile, options: VerifyOptions, runs: number): Promise<VerifyReport> {
  const stopped = await stoppedRuns(file, elf, { ...options, runs, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  return report(file, elf, 'gdbstub', stopped.stop, stopped.plan, stopped.runs);
}

/** The file, refused unless it is a static-PIE (ET_DYN, PT_DYNAMIC, no PT_INTERP). */
function openStaticPie(file: string): ElfFile {
  const elf = readElfFile(file);
  requireStaticPie(elf);
  return elf;
}

function runCount(options: VerifyOptions): number {
  const runs = options.runs ?? 1;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new PiekitError('UNVERIFIABLE', `runs must be a positive count, not ${runs}`);
  if (runs > 1 && options.base === undefined) {
    throw new PiekitError('UNVERIFIABLE', "more than one run needs a base: without the loader every run is the emulator's choice");
  }
  return runs;
}

function report(file: string, elf: ElfFile, method: VerifyMethod, stopPoint: StopPoint | undefined, planned: Plan, runs: VerifyRun[]): VerifyReport {
  const judged = runs.map((run) => judgedRun(run, planned));
  const notCheckedBecause = planned.resolvedAtRunTime.length === 0 ? undefined : whyResolvedNotChecked(stopPoint, method);
  return {
    file,
    arch: elf.arch.name,
    wordSize: elf.reader.wordSize,
    method,
    stopPoint,
    plannedWords: finalWriteIndexes(planned).length,
    notChecked: planned.skipped,
    resolvedAtRunTime: { entries: planned.resolvedAtRunTime, notCheckedBecause },
    runs: judged,
    verified: judged.every((run) => run.verified),
  };
}

/**
 * What every method's run must also satisfy to be verified: it reached its stop (a program that
 * died by a signal first may not have finished relocating), each resolver-written word points
 * into code, and something was compared at all.
 */
function judgedRun(run: VerifyRun, planned: Plan): VerifyRun {
  if (run.compared === undefined) return run;
  const reasons = [];
  if (run.end.reason === 'signal') reasons.push(`died by ${run.end.signalName ?? `signal ${run.end.signal}`} before the stop: not verified`);
  if (run.compared.comparedWords === 0 && (run.resolved?.words ?? 0) === 0) reasons.push(nothingComparedReason(planned));
  const resolvedOutside = (run.resolved?.outside.length ?? 0) > 0;
  if (reasons.length === 0 && !resolvedOutside) return run;
  const message = [run.message, ...reasons].filter((part) => part !== undefined).join('; ');
  return { ...run, verified: false, message: message === '' ? undefined : message };
}
