import type { Engine } from '../engines/index.js';
import { plan } from '../model/index.js';
import { buildReport, openStaticPie } from './compare-run.js';
import { hasDumpHook } from './dump-marker.js';
import { verifyDumpRun } from './dump-verify.js';
import { VerifyInputError } from './errors.js';
import type { VerifyReport, VerifyRun } from './report.js';
import { verifyStopped } from './verify-stopped.js';

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
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Verifies a static-PIE's own relocation: a file with piekit's dump hook runs and dumps its memory
 * (unless a stop point is asked for); any other runs under qemu-user's GDB stub (verifyRunning).
 */
export async function verifyFile(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const elf = openStaticPie(file);
  const count = runCount(options);
  if (options.stopAt === undefined && hasDumpHook(elf)) {
    const engine = options.engine ?? 'ts';
    // The TypeScript plan does not depend on the base: one serves every run.
    const planned = engine === 'ts' ? plan(elf) : undefined;
    const runs: VerifyRun[] = [];
    for (let n = 0; n < count; n++) {
      const request = { elf, file, plan: planned, engine, base: options.base, runner: options.runner, args: options.args ?? [] };
      runs.push(await verifyDumpRun({ ...request, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }));
    }
    return buildReport(file, elf, 'dump', undefined, planned ?? plan(elf), runs);
  }
  return verifyStopped(file, elf, { ...options, runs: count, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

/** Runs FILE under qemu-user's GDB stub, stops it when its relocator is done, and compares every planned word. */
export async function verifyRunning(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyStopped(file, openStaticPie(file), { ...options, runs: runCount(options), timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

function runCount(options: VerifyOptions): number {
  const runs = options.runs ?? 1;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new VerifyInputError(`runs must be a positive count, not ${runs}`);
  if (runs > 1 && options.base === undefined) {
    throw new VerifyInputError("more than one run needs a base: without the loader every run is the emulator's choice");
  }
  return runs;
}
