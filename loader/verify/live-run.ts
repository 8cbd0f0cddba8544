import type { ElfFile } from '../../elf/index.js';
import { hex } from '../../elf/index.js';
import type { Plan } from '../model/index.js';
import { LOADER_STATUS } from '../userland/index.js';
import { checkBase } from './base-check.js';
import type { MemorySnapshot } from './compare.js';
import { type GdbRemoteClient, GdbRemoteError, type StopReply } from './gdb-remote.js';
import { plannedRanges } from './planned-ranges.js';
import { type QemuSessionOptions, withQemuSession } from './qemu-session.js';
import { GDB_SIGTRAP } from './signals.js';
import type { StopPoint } from './stop-point.js';
import { wholeFile, withTrap } from './trap-copy.js';

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
  /**
   * Whether to let the program run on from the stop point, once its memory is read, to see how
   * it ends (a wrong relocation usually crashes soon after): asked with the memory read.
   */
  readonly runOn?: (snapshot: MemorySnapshot) => boolean;
  /** How long it may run on (`--run-on SECONDS`); it is killed at the stop otherwise. */
  readonly runOnMs?: number;
}

/** How a program ended that was let run on from the stop point. */
export type Afterwards =
  | { readonly kind: 'signal'; readonly signal: number; readonly pc: bigint | undefined }
  | { readonly kind: 'exited'; readonly status: number }
  | { readonly kind: 'terminated'; readonly signal: number }
  | { readonly kind: 'timeout'; readonly seconds: number };

export type LiveOutcome =
  /** Stopped at the stop point or by a signal before it; memory read. */
  | {
      readonly kind: 'stopped';
      readonly base: bigint;
      readonly atStopPoint: boolean;
      /** Run-time address of the stop reached (for a system-call stop, the call made), when known. */
      readonly stoppedAt: bigint | undefined;
      readonly signal: number;
      readonly pc: bigint | undefined;
      readonly snapshot: MemorySnapshot;
      /** When it was let run on from the stop point. */
      readonly afterwards: Afterwards | undefined;
    }
  | { readonly kind: 'exited'; readonly base: bigint; readonly status: number; readonly stderr: string }
  | { readonly kind: 'terminated'; readonly base: bigint; readonly signal: number }
  | { readonly kind: 'timeout'; readonly base: bigint }
  | { readonly kind: 'base taken'; readonly base: bigint };

/**
 * Runs the program under qemu-user's GDB stub until its relocator is done (the stop point), a
 * signal stops it, it ends, or the time is up; reads the memory relocation wrote. qemu and its
 * socket are gone when this returns or throws.
 */
export async function runToStopPoint(request: LiveRunRequest): Promise<LiveOutcome> {
  const { elf, plan, stop } = request;
  const gdb = elf.arch.emulator?.gdb;
  if (gdb === undefined) throw new Error(`no emulator record for ${elf.arch.name}`);
  const deadline = Date.now() + request.timeoutMs;
  const trapAt = stop.vaddrs[0];
  if (gdb.stop.kind === 'trap' && (stop.kind !== 'address' || trapAt === undefined)) throw new Error(`${elf.arch.name} stops at one address only`);
  const copy = gdb.stop.kind === 'trap' ? withTrap(elf, trapAt ?? 0n, gdb.stop.code) : undefined;
  const options: QemuSessionOptions = {
    qemu: request.qemu,
    program: request.file,
    args: request.args,
    timeoutMs: request.timeoutMs,
    byteOrder: elf.reader.endian,
    ...(copy === undefined ? {} : { programCopy: copy }),
    ...(request.base === undefined || request.loader === undefined ? {} : { prefix: [request.loader, '--base', hex(request.base), '--'] }),
    ...(gdb.pc === undefined ? {} : { pcFallback: gdb.pc }),
  };
  const mask = (1n << BigInt(plan.layout.wordSize * 8)) - 1n;
  return withQemuSession(options, async (session) => {
    const { client } = session;
    // qOffsets names where qemu loaded the program it runs itself; the loader's program is at
    // the base it was given (or nowhere).
    const base = request.base ?? (await client.offsets()).text;
    const addresses = new Set(stop.vaddrs.map((vaddr) => (base + vaddr) & mask));
    if (gdb.stop.kind === 'breakpoint') for (const address of addresses) await client.insertBreakpoint(address);
    let reply: StopReply;
    try {
      reply = await client.continue({ timeoutMs: Math.max(1, deadline - Date.now()) });
    } catch (error) {
      if (error instanceof GdbRemoteError && error.code === 'TIMEOUT') return { kind: 'timeout', base };
      throw error;
    }
    if (reply.kind === 'exited') {
      // The output is complete once qemu is gone.
      await Promise.race([session.exited, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      // The program may exit with 107 too; the loader says why on stderr.
      const taken = request.base !== undefined && reply.status === LOADER_STATUS.baseTaken && session.stderr.includes('base taken');
      return taken ? { kind: 'base taken', base } : { kind: 'exited', base, status: reply.status, stderr: session.stderr };
    }
    if (reply.kind === 'terminated') return { kind: 'terminated', base, signal: reply.signal };
    const pc = gdb.registers ? await client.readProgramCounter() : undefined;
    // A trap written into the code reports SIGTRAP past itself; a breakpoint reports it at its address.
    const atStopPoint = reply.signal === GDB_SIGTRAP && (gdb.stop.kind === 'trap' || pc === undefined || addresses.has(pc));
    const snapshot = await readSnapshot(client, plan, base, mask);
    const mismatch = await checkBase(plan, copy ?? wholeFile(elf), base, (at, length) => client.readMemory(at, length).catch(() => undefined));
    if (mismatch !== undefined && mismatch !== 'unchecked') throw new Error(`the program is not at base ${hex(base)}: ${mismatch}`);
    // A trap written into the code has replaced instructions: running on would run garbage.
    const runOn = atStopPoint && gdb.stop.kind === 'breakpoint' && request.runOn?.(snapshot) === true;
    const afterwards = runOn ? await runToEnd(client, addresses, Math.min(deadline, Date.now() + (request.runOnMs ?? 0)), gdb.registers) : undefined;
    const stoppedAt = atStopPoint && pc !== undefined && addresses.has(pc) ? pc : stop.kind === 'address' ? [...addresses][0] : undefined;
    return { kind: 'stopped', base, atStopPoint, stoppedAt, signal: reply.signal, pc, snapshot, afterwards };
  });
}

async function runToEnd(client: GdbRemoteClient, breakpoints: ReadonlySet<bigint>, deadline: number, registers: boolean): Promise<Afterwards> {
  for (const breakpoint of breakpoints) await client.removeBreakpoint(breakpoint);
  const waited = Math.max(1, deadline - Date.now());
  let reply: StopReply;
  try {
    reply = await client.continue({ timeoutMs: waited });
  } catch (error) {
    if (error instanceof GdbRemoteError && error.code === 'TIMEOUT') return { kind: 'timeout', seconds: waited / 1000 };
    throw error;
  }
  if (reply.kind === 'exited') return { kind: 'exited', status: reply.status };
  if (reply.kind === 'terminated') return { kind: 'terminated', signal: reply.signal };
  return { kind: 'signal', signal: reply.signal, pc: registers ? await client.readProgramCounter() : undefined };
}

async function readSnapshot(client: GdbRemoteClient, plan: Plan, base: bigint, mask: bigint): Promise<MemorySnapshot> {
  const segments = [];
  for (const range of plannedRanges(plan)) {
    segments.push({ vaddr: range.vaddr, bytes: await client.readMemory((base + range.vaddr) & mask, range.length) });
  }
  return { base, segments };
}
