import { AddressNames, type ElfFile, hex, SymbolTable } from '../../elf/index.js';
import type { Engine } from '../engines/index.js';
import { EnvironmentError } from '../environment.js';
import { type Plan, plan } from '../model/index.js';
import { LOADER_STATUS, loaderFor, requireEmulator } from '../userland/index.js';
import type { Comparison } from './compare.js';
import { buildReport, comparedRun, comparePlanned, wordMask } from './compare-run.js';
import { VerifyInputError } from './errors.js';
import { type Afterwards, type LiveOutcome, runToStopPoint } from './live-run.js';
import { RANDOM_BASE_TRIES, randomBase } from './load-bases.js';
import type { RunEnd, VerifyReport, VerifyRun } from './report.js';
import { gdbSignalName } from './signals.js';
import { chooseStopPoint, type StopPoint } from './stop-point.js';

export interface StoppedRunOptions {
  readonly stopAt?: string | bigint;
  readonly base?: bigint | 'random';
  readonly runs: number;
  readonly timeoutMs: number;
  readonly args?: readonly string[];
  readonly engine?: Engine;
  readonly runner?: readonly string[];
  /** Seconds a program whose words differ may run on from the stop, to see where it goes; killed at the stop otherwise. */
  readonly runOnSeconds?: number;
}

/** The loader's exit statuses for what it refuses before the program runs (native/loader/status.h). */
const LOADER_REFUSALS = { first: 100, last: 108 };

/** The GDB stub path: every run stopped where the relocator is done, its planned words compared. */
export async function verifyStopped(file: string, elf: ElfFile, options: StoppedRunOptions): Promise<VerifyReport> {
  if (options.runner !== undefined) {
    throw new VerifyInputError(`a runner applies to samples with piekit's dump hook; ${file} runs under qemu-user's GDB stub`);
  }
  const qemu = await requireEmulator(elf);
  const planned = plan(elf);
  const stop = chooseStopPoint(elf, new SymbolTable(elf), options.stopAt, file);
  const loader = options.base === undefined ? undefined : await loaderFor(elf.arch.name);
  const context: RunContext = { file, elf, planned, stop, qemu, loader, options, names: new AddressNames(elf.reader, elf.sectionHeaders) };
  const runs: VerifyRun[] = [];
  for (let n = 0; n < options.runs; n++) runs.push(await verifyOnce(context));
  return buildReport(file, elf, 'gdbstub', stop, planned, runs);
}

interface RunContext {
  readonly file: string;
  readonly elf: ElfFile;
  readonly planned: Plan;
  readonly stop: StopPoint;
  readonly qemu: string;
  readonly loader: string | undefined;
  readonly options: StoppedRunOptions;
  readonly names: AddressNames;
}

/** One run at the base asked for, or at random bases until one is free. */
async function verifyOnce(context: RunContext): Promise<VerifyRun> {
  const { elf, planned, options } = context;
  const engine = options.engine ?? 'ts';
  const tries = options.base === 'random' ? RANDOM_BASE_TRIES : 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const base = options.base === 'random' ? randomBase(elf.arch, planned.layout) : options.base;
    let comparison: Comparison | undefined;
    const outcome = await runToStopPoint({
      ...context,
      plan: planned,
      base,
      args: options.args ?? [],
      timeoutMs: options.timeoutMs,
      // A program whose words differ may be let run on, to report where that takes it; by default
      // it is killed at the stop, before a wrong relocation can do anything (ldconfig as root
      // would rewrite /etc/ld.so.cache).
      runOn: (snapshot) => {
        comparison = comparePlanned(elf, planned, snapshot, engine);
        return comparison.differences.length > 0 && options.runOnSeconds !== undefined;
      },
      runOnMs: (options.runOnSeconds ?? 0) * 1000,
    });
    if (outcome.kind !== 'base taken') return toRun(context, outcome, comparison);
    if (options.base !== 'random') {
      throw new VerifyInputError(
        `base ${hex(outcome.base)} is taken under ${context.qemu} (the loader exited with ${LOADER_STATUS.baseTaken}): choose another`,
      );
    }
  }
  throw new EnvironmentError(`${tries} random bases in a row were taken under ${context.qemu}`);
}

function toRun(context: RunContext, outcome: Exclude<LiveOutcome, { kind: 'base taken' }>, compared: Comparison | undefined): VerifyRun {
  const { elf, planned, options } = context;
  switch (outcome.kind) {
    case 'stopped': {
      const end: RunEnd = outcome.atStopPoint
        ? { reason: 'stop point', address: outcome.stoppedAt }
        : signalEnd(context, outcome.base, outcome.signal, outcome.pc);
      const comparison = compared ?? comparePlanned(elf, planned, outcome.snapshot, options.engine ?? 'ts');
      return comparedRun(comparison, end, afterwardsEnd(context, outcome.base, outcome.afterwards));
    }
    case 'exited': {
      const refused = options.base !== undefined && outcome.status >= LOADER_REFUSALS.first && outcome.status <= LOADER_REFUSALS.last;
      const message = refused ? `piekit's loader refused it: ${outcome.stderr.trim()}` : undefined;
      return nothingCompared(outcome.base, { reason: 'exited', status: outcome.status }, message);
    }
    case 'terminated':
      return nothingCompared(outcome.base, { reason: 'terminated', signal: outcome.signal, signalName: gdbSignalName(outcome.signal) }, undefined);
    case 'timeout':
      return nothingCompared(outcome.base, { reason: 'timeout', seconds: options.timeoutMs / 1000 }, undefined);
  }
}

function afterwardsEnd(context: RunContext, base: bigint, afterwards: Afterwards | undefined): VerifyRun['afterwards'] {
  if (afterwards === undefined) return undefined;
  switch (afterwards.kind) {
    case 'signal':
      return signalEnd(context, base, afterwards.signal, afterwards.pc);
    case 'exited':
      return { reason: 'exited', status: afterwards.status };
    case 'terminated':
      return { reason: 'terminated', signal: afterwards.signal, signalName: gdbSignalName(afterwards.signal) };
    case 'timeout':
      return { reason: 'timeout', seconds: afterwards.seconds };
  }
}

/** A signal stop, with the program counter placed in the file where it lies in the program. */
function signalEnd(context: RunContext, base: bigint, signal: number, pc: bigint | undefined): Extract<RunEnd, { reason: 'signal' }> {
  const { start, size } = context.planned.layout;
  const offset = pc === undefined ? undefined : (pc - base) & wordMask(context.elf);
  const vaddr = offset !== undefined && offset >= start && offset < start + BigInt(size) ? offset : undefined;
  return {
    reason: 'signal',
    signal,
    signalName: gdbSignalName(signal),
    pc,
    vaddr,
    section: vaddr === undefined ? undefined : context.names.section(vaddr),
    symbol: vaddr === undefined ? undefined : context.names.symbol(vaddr),
  };
}

function nothingCompared(base: bigint, end: RunEnd, message: string | undefined): VerifyRun {
  return { base, end, compared: undefined, verified: false, afterwards: undefined, message };
}
