import { AddressNames, type ElfFile, hex, readElfFile, requireStaticPie } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { type Plan, plan } from '../model/index.js';
import { loaderFor, requireEmulator } from '../userland/index.js';
import { RANDOM_BASE_TRIES } from '../verify/gdbstub/load-bases.js';
import { chooseStopPoint, randomBase, STOP_STRATEGIES, type StopPoint, SYSTEM_CALL_REQUEST, SymbolTable } from '../verify/index.js';
import { judgeTrace } from './judge.js';
import { tracePlugin } from './plugin.js';
import { addressAt, countAt, kindAt, pcAt, RECORD_EXIT, RECORD_FULL, RECORD_START, RECORD_STOP, RECORD_SYSCALL, type TraceRecord } from './record.js';
import type { TraceEnd, TraceReport, TraceSite, TraceStop } from './report.js';
import { runTraced } from './run-traced.js';

export interface TraceOptions {
  /** A symbol, a link-time address, or `syscall`; else right after the relocator the symbols reveal (as verify stops). */
  readonly stopAt?: string | bigint;
  /** Run through piekit's loader at this base, or at a random one. */
  readonly base?: bigint | 'random';
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}

export const DEFAULT_TRACE_TIMEOUT_MS = 30_000;

/**
 * Runs FILE under qemu-user with piekit's trace plugin until its relocator is done and judges
 * every load and store of its startup against the plan at the base it ran at.
 */
export async function traceFile(file: string, options: TraceOptions = {}): Promise<TraceReport> {
  const elf = readElfFile(file);
  requireStaticPie(elf);
  const qemu = await requireEmulator(elf);
  const plugin = tracePlugin();
  const planned = plan(elf);
  const symbols = new SymbolTable(elf);
  const stop = traceStop(elf, symbols, options.stopAt, file);
  const loader = options.base === undefined ? undefined : await loaderFor(elf.arch.name);
  const tries = options.base === 'random' ? RANDOM_BASE_TRIES : 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const base = options.base === 'random' ? randomBase(elf.arch, planned.layout) : options.base;
    const run = await runTraced({
      elf,
      file,
      qemu,
      plugin,
      stop: stop.kind === 'system call' ? 'syscall' : stop.vaddrs[0],
      base,
      loader,
      args: options.args ?? [],
      timeoutMs: options.timeoutMs ?? DEFAULT_TRACE_TIMEOUT_MS,
    });
    if (run.kind === 'base taken') {
      if (options.base === 'random') continue;
      throw new PiekitError('UNVERIFIABLE', `base ${hex(base ?? 0n)} is taken under ${qemu}: choose another`);
    }
    return judgeRecord(file, elf, planned, run.record, run.exit, stopDescription(stop));
  }
  throw new PiekitError('ENVIRONMENT', `${tries} random bases in a row were taken under ${qemu}`);
}

/**
 * Where verify would stop, but the plugin sees the first system call itself: no system-call
 * instruction is searched for, and verify's last resort, main, is never needed.
 */
export function traceStop(elf: ElfFile, symbols: SymbolTable, request: string | bigint | undefined, file: string): StopPoint {
  if (request === SYSTEM_CALL_REQUEST) return { kind: 'system call', vaddrs: [], symbol: undefined, chosenBy: 'requested' };
  if (request !== undefined) return chooseStopPoint(elf, symbols, request, file);
  const [afterRelocator] = STOP_STRATEGIES;
  const stop = afterRelocator?.({ elf, symbols });
  return stop === undefined || 'refused' in stop ? { kind: 'system call', vaddrs: [], symbol: undefined, chosenBy: 'system call' } : stop;
}

export function stopDescription(stop: StopPoint): Omit<TraceStop, 'reached' | 'end'> {
  return { kind: stop.kind, symbol: stop.symbol, vaddr: stop.kind === 'system call' ? undefined : stop.vaddrs[0], chosenBy: stop.chosenBy };
}

/**
 * The report on a record: its base from the entry's run-time pc, its end from the record, else
 * `fallback` (how qemu ended, or where verify's debugger held the program).
 */
export function judgeRecord(
  file: string,
  elf: ElfFile,
  planned: Plan,
  record: TraceRecord,
  fallback: TraceEnd,
  stop: Omit<TraceStop, 'reached' | 'end'>,
): TraceReport {
  let start = -1;
  for (let index = 0; index < record.count && start < 0; index++) if (kindAt(record, index) === RECORD_START) start = index;
  if (start < 0) throw new PiekitError('UNVERIFIABLE', `${file} never reached its entry point under qemu (${describeEnd(fallback)})`);
  const entry = elf.arch.emulator?.gdb.thumbBit === true ? elf.header.entry & ~1n : elf.header.entry;
  const mask = (1n << BigInt(elf.reader.wordSize * 8)) - 1n;
  // The entry's run-time pc against e_entry: where the program really ran.
  const base = (pcAt(record, start) - entry) & mask;
  const entryCount = countAt(record, start);
  const names = new AddressNames(elf.reader, elf.sectionHeaders);
  const site = (pc: bigint, count: bigint): TraceSite => {
    const vaddr = (pc - base) & mask;
    const inside = vaddr >= planned.layout.start && vaddr < planned.layout.start + BigInt(planned.layout.size);
    return { pc, vaddr: inside ? vaddr : undefined, symbol: inside ? names.symbol(vaddr) : undefined, count };
  };
  const judgement = judgeTrace(elf, planned, record, base, start, entryCount);
  let end: TraceEnd | undefined;
  let firstSystemCall: TraceReport['firstSystemCall'];
  for (let index = start; index < record.count; index++) {
    const kind = kindAt(record, index);
    if (kind === RECORD_SYSCALL) {
      firstSystemCall ??= { number: addressAt(record, index), count: countAt(record, index) - entryCount };
      if (stop.kind === 'system call') end = { reason: 'system call', number: addressAt(record, index) };
    } else if (kind === RECORD_STOP) end = { reason: 'stop point', address: pcAt(record, index) };
    else if (kind === RECORD_FULL) end = { reason: 'record full', records: record.count };
    else if (kind === RECORD_EXIT && fallback.reason === 'exited') end = fallback;
  }
  end ??= fallback;
  const reached = end.reason === 'stop point' || end.reason === 'system call';
  const relocator = judgement.relocator;
  return {
    file,
    arch: elf.arch.name,
    base,
    stop: { ...stop, reached, end },
    plannedWords: judgement.plannedWords,
    words: judgement.words,
    findings: judgement.findings.map((finding) => {
      const vaddr = planned.layout.start + BigInt(finding.word);
      return {
        kind: finding.kind,
        word: { address: (base + vaddr) & mask, vaddr, section: names.section(vaddr), symbol: names.symbol(vaddr) },
        by: finding.by === undefined ? undefined : site(finding.by.pc, finding.by.count),
        relocatedBy: finding.relocatedBy === undefined ? undefined : site(finding.relocatedBy.pc, finding.relocatedBy.count),
        stores: finding.stores,
        planned: finding.planned,
      };
    }),
    relocator:
      relocator === undefined
        ? undefined
        : {
            low: site(relocator.low, relocator.first.count),
            high: site(relocator.high, relocator.last.count),
            firstRelocation: relocator.first.count,
            instructions: relocator.last.count + 1n,
            relocations: planned.writes.count,
            instructionsPerRelocation: Number(relocator.last.count + 1n) / planned.writes.count,
            loopInstructionsPerRelocation: Number(relocator.last.count - relocator.first.count + 1n) / planned.writes.count,
            pagesDirtied: relocator.pagesDirtied,
          },
    firstSystemCall,
    clean: reached && judgement.findings.length === 0,
  };
}

function describeEnd(end: TraceEnd): string {
  switch (end.reason) {
    case 'exited':
      return `qemu exited with status ${end.status}`;
    case 'terminated':
      return `qemu ended by ${end.signalName}`;
    case 'timeout':
      return `no end within ${end.seconds} s`;
    default:
      return end.reason;
  }
}
