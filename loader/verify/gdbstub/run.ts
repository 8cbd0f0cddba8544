/**
 * The gdbstub method: the program runs under qemu-user's GDB stub (through piekit's loader when a
 * base is asked for), is stopped where its relocator is done, and the memory relocation wrote is
 * read and compared with the plan. The run's end is a RunEnd from the start, as the report gives it.
 */
import { AddressNames, ElfError, type ElfFile, hex, PT_LOAD, SymbolTable } from '../../../elf/index.js';
import type { Engine } from '../../engines/index.js';
import { PiekitError } from '../../errors.js';
import { type ComparedWords, type MemorySnapshot, type Plan, plan, relocationErrors } from '../../model/index.js';
import { baseTakenError, isLoaderStatus, LOADER_STATUS, loaderFor, requireEmulator } from '../../userland/index.js';
import { baseMismatch, comparePlanned, fileBytes } from '../memory-check.js';
import type { RunObserver } from '../observer.js';
import type { Afterwards, RunEnd, VerifyRun } from '../report.js';
import { checkResolved, whyResolvedNotChecked } from '../resolved-check.js';
import type { GdbRemoteClient } from './client.js';
import { RANDOM_BASE_TRIES, randomBase } from './load-bases.js';
import { GDB_SIGTRAP, GdbRemoteError, gdbSignalName, type StopReply } from './replies.js';
import { type FilePatch, type QemuSessionOptions, withQemuSession } from './session.js';
import { chooseStopPoint, type StopPoint } from './stop-points.js';

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
  /** Watches the first run from inside its qemu. */
  readonly observer?: RunObserver;
}

/** Every run stopped where the relocator is done, its planned words compared. */
export async function stoppedRuns(
  file: string,
  elf: ElfFile,
  options: StoppedRunOptions,
): Promise<{ readonly stop: StopPoint; readonly plan: Plan; readonly runs: VerifyRun[] }> {
  if (options.runner !== undefined) {
    throw new PiekitError('UNVERIFIABLE', `a runner applies to samples with piekit's dump hook; ${file} runs under qemu-user's GDB stub`);
  }
  const qemu = await requireEmulator(elf);
  const planned = plan(elf);
  const stop = chooseStopPoint(elf, new SymbolTable(elf), options.stopAt, file);
  const loader = options.base === undefined ? undefined : await loaderFor(elf.arch.name);
  const request = {
    elf,
    file,
    qemu,
    plan: planned,
    stop,
    loader,
    args: options.args ?? [],
    timeoutMs: options.timeoutMs,
    engine: options.engine,
    runOnMs: options.runOnSeconds === undefined ? undefined : options.runOnSeconds * 1000,
  };
  const runs: VerifyRun[] = [];
  for (let n = 0; n < options.runs; n++) runs.push(await runOnce({ ...request, observer: n === 0 ? options.observer : undefined }, options.base));
  return { stop, plan: planned, runs };
}

/** One run at the base asked for, or at random bases until one is free. */
async function runOnce(request: Omit<LiveRunRequest, 'base'>, asked: bigint | 'random' | undefined): Promise<VerifyRun> {
  const tries = asked === 'random' ? RANDOM_BASE_TRIES : 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const base = asked === 'random' ? randomBase(request.elf.arch, request.plan.layout) : asked;
    const outcome = await runToStopPoint({ ...request, base });
    switch (outcome.kind) {
      case 'stopped': {
        const { compared } = outcome;
        const { elf, plan: planned, stop } = request;
        // Resolvers have run once the stop is reached, unless the runtime never runs them.
        const checkable =
          outcome.end.reason === 'stop point' && planned.resolvedAtRunTime.length > 0 && whyResolvedNotChecked(stop, 'gdbstub') === undefined;
        return {
          base: outcome.base,
          end: outcome.end,
          compared,
          resolved: checkable ? checkResolved(elf, planned, outcome.snapshot) : undefined,
          verified: relocationErrors(compared) === 0,
          afterwards: outcome.afterwards,
          message: undefined,
        };
      }
      case 'ended': {
        const { end } = outcome;
        const refused = asked !== undefined && end.reason === 'exited' && isLoaderStatus(end.status);
        const message = refused ? `piekit's loader refused it: ${outcome.stderr.trim()}` : undefined;
        return { base: outcome.base, end, compared: undefined, resolved: undefined, verified: false, afterwards: undefined, message };
      }
      case 'base taken':
        if (asked !== 'random') throw baseTakenError(outcome.base, request.qemu);
    }
  }
  throw new PiekitError('ENVIRONMENT', `${tries} random bases in a row were taken under ${request.qemu}`);
}

export interface LiveRunRequest {
  readonly elf: ElfFile;
  readonly file: string;
  /** The emulator command. */
  readonly qemu: string;
  /** Which segments are relocated and where the planned words lie. */
  readonly plan: Plan;
  readonly stop: StopPoint;
  /** With a base, the program runs through piekit's loader (`loader`) at exactly that base. */
  readonly base: bigint | undefined;
  readonly loader: string | undefined;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Which implementation predicts the words compared (TypeScript by default). */
  readonly engine?: Engine | undefined;
  /**
   * How long a program whose words differ may run on from the stop, to report where it goes. By
   * default it is killed at the stop, before a wrong relocation can do anything (ldconfig as root
   * would rewrite /etc/ld.so.cache).
   */
  readonly runOnMs?: number | undefined;
  /** Started with the run's qemu, shown the run where its memory is read (or its end). */
  readonly observer?: RunObserver | undefined;
}

/** Where a stopped program was: at the stop point, or stopped by a signal before it. */
type StopEnd = Extract<RunEnd, { readonly reason: 'stop point' | 'signal' }>;
/** How a program ended that never stopped: nothing to compare. */
type EarlyEnd = Extract<RunEnd, { readonly reason: 'exited' | 'terminated' | 'timeout' }>;

export type LiveOutcome =
  /** Stopped at the stop point or by a signal before it; its planned words read and compared. */
  | {
      readonly kind: 'stopped';
      readonly base: bigint;
      readonly end: StopEnd;
      readonly snapshot: MemorySnapshot;
      readonly compared: ComparedWords;
      /** Where a program whose words differ went when let run on from the stop point. */
      readonly afterwards: Afterwards | undefined;
    }
  /** Ended before the stop point, or the time ran out: nothing to compare. */
  | { readonly kind: 'ended'; readonly base: bigint; readonly end: EarlyEnd; readonly stderr: string }
  /** piekit's loader found the base taken. */
  | { readonly kind: 'base taken'; readonly base: bigint };

/**
 * Runs the program under qemu-user's GDB stub until its relocator is done (the stop point), a
 * signal stops it, it ends, or the time is up; reads and compares the memory relocation wrote. A
 * program whose words differ is let run on, to report where that takes it. qemu and its socket
 * are gone when this returns or throws.
 */
export async function runToStopPoint(request: LiveRunRequest): Promise<LiveOutcome> {
  const { elf, plan: planned, stop, observer } = request;
  const gdb = elf.arch.emulator?.gdb;
  if (gdb === undefined) throw new Error(`no emulator record for ${elf.arch.name}`);
  const deadline = Date.now() + request.timeoutMs;
  const trapAt = stop.vaddrs[0];
  if (gdb.stop.kind === 'trap' && (stop.kind !== 'address' || trapAt === undefined)) throw new Error(`${elf.arch.name} stops at one address only`);
  const trap = gdb.stop.kind === 'trap' ? trapPatch(elf, trapAt ?? 0n, gdb.stop.code) : undefined;
  const options: QemuSessionOptions = {
    qemu: request.qemu,
    program: request.file,
    args: request.args,
    timeoutMs: request.timeoutMs,
    byteOrder: elf.reader.endian,
    ...(observer === undefined ? {} : { qemuOptions: observer.qemuOptions({ base: request.base, stop }) }),
    ...(trap === undefined ? {} : { programPatch: trap }),
    ...(request.base === undefined || request.loader === undefined ? {} : { prefix: [request.loader, '--base', hex(request.base), '--'] }),
    ...(gdb.pc === undefined ? {} : { pcFallback: gdb.pc }),
  };
  const mask = elf.reader.wordMask;
  return withQemuSession(options, async (session) => {
    const { client } = session;
    // qOffsets names where qemu loaded the program it runs itself; the loader's program is at
    // the base it was given (or nowhere).
    const base = request.base ?? (await client.offsets()).text;
    const addresses = new Set(stop.vaddrs.map((vaddr) => (base + vaddr) & mask));
    if (gdb.stop.kind === 'breakpoint') for (const address of addresses) await client.insertBreakpoint(address);
    const reply = await continueUntil(client, deadline);
    if (reply === 'timeout') {
      const end = { reason: 'timeout', seconds: request.timeoutMs / 1000 } as const;
      await observer?.observe(end, session.stderr);
      return { kind: 'ended', base, end, stderr: session.stderr };
    }
    if (reply.kind === 'exited') {
      // The output is complete once qemu is gone.
      await Promise.race([session.exited, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      // The program may exit with 107 too; the loader says why on stderr.
      const taken = request.base !== undefined && reply.status === LOADER_STATUS.baseTaken && session.stderr.includes('base taken');
      const end = { reason: 'exited', status: reply.status } as const;
      await observer?.observe(end, session.stderr);
      return taken ? { kind: 'base taken', base } : { kind: 'ended', base, end, stderr: session.stderr };
    }
    if (reply.kind === 'terminated') {
      const end = { reason: 'terminated', signal: reply.signal, signalName: gdbSignalName(reply.signal) } as const;
      await observer?.observe(end, session.stderr);
      return { kind: 'ended', base, end, stderr: session.stderr };
    }
    const pc = gdb.registers ? await client.readProgramCounter() : undefined;
    // A trap written into the code reports SIGTRAP past itself; a breakpoint reports it at its address.
    const atStopPoint = reply.signal === GDB_SIGTRAP && (gdb.stop.kind === 'trap' || pc === undefined || addresses.has(pc));
    const snapshot = await readPlannedRanges(client, planned, base, mask);
    const mismatch = await baseMismatch(planned, patchedBytes(elf, trap), base, (at, length) => client.readMemory(at, length).catch(() => undefined));
    if (mismatch !== undefined && mismatch !== 'unchecked') throw new Error(`the program is not at base ${hex(base)}: ${mismatch}`);
    const compared = comparePlanned(elf, planned, snapshot, request.engine ?? 'ts');
    // For the first system call, the call made; unknown where registers cannot be read.
    const stoppedAt = pc !== undefined && addresses.has(pc) ? pc : stop.kind === 'address' ? [...addresses][0] : undefined;
    const end: StopEnd = atStopPoint ? { reason: 'stop point', address: stoppedAt } : signalEnd(elf, planned, base, reply.signal, pc);
    // Before the program may run on: what the observer sees is the run up to the stop.
    await observer?.observe(end, session.stderr);
    // A trap written into the code has replaced instructions: running on would run garbage.
    const runOn = atStopPoint && gdb.stop.kind === 'breakpoint' && relocationErrors(compared) > 0 && request.runOnMs !== undefined;
    const runOnDeadline = Math.min(deadline, Date.now() + (request.runOnMs ?? 0));
    const afterwards = runOn ? await runToEnd(client, addresses, runOnDeadline, elf, planned, base, gdb.registers) : undefined;
    return { kind: 'stopped', base, end, snapshot, compared, afterwards };
  });
}

/** `c` until the program stops or ends, or 'timeout' when the deadline passes first. */
async function continueUntil(client: GdbRemoteClient, deadline: number): Promise<StopReply | 'timeout'> {
  try {
    return await client.continue({ timeoutMs: Math.max(1, deadline - Date.now()) });
  } catch (error) {
    if (error instanceof GdbRemoteError && error.code === 'TIMEOUT') return 'timeout';
    throw error;
  }
}

async function runToEnd(
  client: GdbRemoteClient,
  breakpoints: ReadonlySet<bigint>,
  deadline: number,
  elf: ElfFile,
  planned: Plan,
  base: bigint,
  registers: boolean,
): Promise<Afterwards> {
  for (const breakpoint of breakpoints) await client.removeBreakpoint(breakpoint);
  const waited = Math.max(1, deadline - Date.now());
  const reply = await continueUntil(client, deadline);
  if (reply === 'timeout') return { reason: 'timeout', seconds: waited / 1000 };
  if (reply.kind === 'exited') return { reason: 'exited', status: reply.status };
  if (reply.kind === 'terminated') return { reason: 'terminated', signal: reply.signal, signalName: gdbSignalName(reply.signal) };
  return signalEnd(elf, planned, base, reply.signal, registers ? await client.readProgramCounter() : undefined);
}

/** A signal stop, with the program counter placed in the file where it lies in the program. */
function signalEnd(elf: ElfFile, planned: Plan, base: bigint, signal: number, pc: bigint | undefined): Extract<RunEnd, { reason: 'signal' }> {
  const { start, size } = planned.layout;
  const offset = pc === undefined ? undefined : (pc - base) & elf.reader.wordMask;
  const vaddr = offset !== undefined && offset >= start && offset < start + BigInt(size) ? offset : undefined;
  const names = vaddr === undefined ? undefined : new AddressNames(elf.reader, elf.sectionHeaders);
  return {
    reason: 'signal',
    signal,
    signalName: gdbSignalName(signal),
    pc,
    vaddr,
    section: vaddr === undefined ? undefined : names?.section(vaddr),
    symbol: vaddr === undefined ? undefined : names?.symbol(vaddr),
  };
}

/**
 * The part of each segment that holds planned or resolver-written words, widened by a word on each side
 * (the classification looks at neighbours) and clipped to the segment, read from the program. A
 * large zero-filled tail without relocations is left alone.
 */
async function readPlannedRanges(client: GdbRemoteClient, planned: Plan, base: bigint, mask: bigint): Promise<MemorySnapshot> {
  const { layout, writes } = planned;
  const w = layout.wordSize;
  const segments = [];
  // The words resolvers write are read too: verify checks where they point.
  const resolved = planned.resolvedAtRunTime.map((entry) => Number(entry.offset - layout.start));
  const relocated = new Set(planned.relocatedSegments);
  for (const segment of layout.segments) {
    const start = segment.offset;
    const end = segment.offset + segment.memorySize;
    let low = end;
    let high = start;
    const include = (target: number): void => {
      if (target < start || target >= end) return;
      if (target < low) low = target;
      if (target + w > high) high = target + w;
    };
    if (relocated.has(segment)) for (let i = 0; i < writes.count; i++) include(writes.targets[i] as number);
    for (const target of resolved) include(target);
    if (low >= high) continue;
    low = Math.max(start, low - w);
    high = Math.min(end, high + w);
    const vaddr = layout.start + BigInt(low);
    segments.push({ vaddr, bytes: await client.readMemory((base + vaddr) & mask, high - low) });
  }
  return { base, segments };
}

/**
 * `code` (hexadecimal bytes in memory order) to write over the instructions at a link-time
 * address, at their file offset: how a stop is made where the stub cannot plant breakpoints and
 * cannot write read-only pages either. Only those bytes differ, so every relocation and every byte
 * the relocator reads stays as in the file.
 */
function trapPatch(elf: ElfFile, vaddr: bigint, code: string): FilePatch {
  const bytes = Buffer.from(code.replace(/\s+/g, ''), 'hex');
  const segment = elf.programHeaders.find(
    (header) => header.type === PT_LOAD && vaddr >= header.vaddr && vaddr + BigInt(bytes.length) <= header.vaddr + header.filesz,
  );
  if (segment === undefined) {
    throw new ElfError('UNMAPPED_ADDRESS', `Invalid stop address ${hex(vaddr)}: no PT_LOAD holds ${bytes.length} bytes of code from the file there`);
  }
  return { offset: Number(vaddr - segment.vaddr + segment.offset), bytes };
}

/** The bytes of the file as it was run: the file's, with the patch written over them. */
function patchedBytes(elf: ElfFile, patch: FilePatch | undefined): (offset: number, length: number) => Uint8Array {
  const read = fileBytes(elf);
  if (patch === undefined) return read;
  return (offset, length) => {
    const bytes = Uint8Array.from(read(offset, length));
    const from = Math.max(offset, patch.offset);
    const to = Math.min(offset + length, patch.offset + patch.bytes.length);
    if (from < to) bytes.set(patch.bytes.subarray(from - patch.offset, to - patch.offset), from - offset);
    return bytes;
  };
}
