import { type Arch, type ElfFile, hex, type SymbolEntry, type SymbolTable } from '../../elf/index.js';
import { closestNames } from './closest-names.js';
import { VerifyInputError } from './errors.js';
import { RUNTIME_STOPS, type RuntimeStop } from './runtime-stops.js';
import { codeSegments, describeCodeSegments, systemCallSites } from './system-calls.js';

/** `--stop-at syscall`: the first system call, wherever it is made. */
export const SYSTEM_CALL_REQUEST = 'syscall';

/** Where a running program is stopped to read its memory. */
export interface StopPoint {
  /** One instruction, or the first system call: a breakpoint on every system-call instruction. */
  readonly kind: 'address' | 'system call';
  /** Link-time addresses of the instructions the stop goes on. */
  readonly vaddrs: readonly bigint[];
  /** The function stopped in, when the file names it. */
  readonly symbol: string | undefined;
  /**
   * The relocator recognised by its symbols; `system call` when none was (the first system call
   * follows every relocator piekit knows); `main` where a system call cannot be stopped at;
   * `requested` for `stopAt`.
   */
  readonly chosenBy: RuntimeStop['runtime'] | 'system call' | 'main' | 'requested';
}

/**
 * The stop for a file: `request` (a symbol name, `syscall`, or a link-time address) when given,
 * else right after the relocator the file's symbols reveal, else its first system call, else `main`.
 */
export function chooseStopPoint(elf: ElfFile, symbols: SymbolTable, request: string | bigint | undefined, file: string): StopPoint {
  const arch = elf.arch;
  if (typeof request === 'bigint')
    return { kind: 'address', vaddrs: [requestedAddress(elf, request, file)], symbol: undefined, chosenBy: 'requested' };
  if (request === SYSTEM_CALL_REQUEST) {
    const stop = systemCallStop(elf, 'requested');
    if (typeof stop === 'string') throw new VerifyInputError(`--stop-at ${SYSTEM_CALL_REQUEST}: ${file}: ${stop}`);
    return stop;
  }
  if (request !== undefined) {
    const symbol = symbols.get(request);
    if (symbol === undefined) {
      const closest = closestNames(request, symbols.names());
      const hint = closest.length === 0 ? `${file} has no symbols: give a link-time address` : `closest: ${closest.join(', ')}`;
      throw new VerifyInputError(`--stop-at ${request}: ${file} has no symbol of that name (${hint})`);
    }
    return { kind: 'address', vaddrs: [entryOf(arch, symbol)], symbol: request, chosenBy: 'requested' };
  }
  for (const runtime of RUNTIME_STOPS) {
    if (!runtime.relocator.some((name) => symbols.has(name))) continue;
    const name = runtime.stopAt.find((candidate) => symbols.has(candidate));
    const symbol = name === undefined ? undefined : symbols.get(name);
    if (symbol !== undefined) return { kind: 'address', vaddrs: [entryOf(arch, symbol)], symbol: name, chosenBy: runtime.runtime };
  }
  // Before main, the C runtime has already run code that writes planned words (glibc sets
  // program_invocation_name from argv): the first system call comes before any of it.
  const stop = systemCallStop(elf, 'system call');
  if (typeof stop !== 'string') return stop;
  const main = symbols.get('main');
  if (main !== undefined) return { kind: 'address', vaddrs: [entryOf(arch, main)], symbol: 'main', chosenBy: 'main' };
  throw new VerifyInputError(`${file}: no symbol tells where its relocator is done and ${stop}: give the stop with --stop-at SYMBOL|ADDR`);
}

/** A breakpoint on every system-call instruction, or why there can be none. */
function systemCallStop(elf: ElfFile, chosenBy: 'system call' | 'requested'): StopPoint | string {
  if (elf.arch.emulator?.gdb.stop.kind !== 'breakpoint') return `qemu's ${elf.arch.name} stub cannot stop at a system call (no breakpoints)`;
  const vaddrs = systemCallSites(elf);
  if (vaddrs.length === 0)
    return `no system-call instruction (${elf.arch.systemCalls.map((encoding) => encoding.assembly).join(', ') || 'none known'}) lies in ${describeCodeSegments(codeSegments(elf))}`;
  return { kind: 'system call', vaddrs, symbol: undefined, chosenBy };
}

/** A requested address, refused unless it lies in an executable segment (elsewhere no instruction ever runs). */
function requestedAddress(elf: ElfFile, request: bigint, file: string): bigint {
  const address = codeAddress(elf.arch, request);
  const segments = codeSegments(elf);
  if (!segments.some((segment) => address >= segment.vaddr && address < segment.vaddr + segment.memsz)) {
    throw new VerifyInputError(`--stop-at ${hex(request)}: ${file} executes nothing there; its code lies in ${describeCodeSegments(segments)}`);
  }
  return address;
}

/** Where a call into the function lands: the instruction a stop must be placed on. */
function entryOf(arch: Arch, symbol: SymbolEntry): bigint {
  const gdb = arch.emulator?.gdb;
  let address = codeAddress(arch, symbol.value);
  // Calls from within the program skip the global entry's TOC set-up.
  if (gdb?.localEntry === true && symbol.isFunction) address += BigInt(((1 << ((symbol.other >> 5) & 7)) >> 2) * 4);
  return address;
}

function codeAddress(arch: Arch, address: bigint): bigint {
  if (arch.emulator?.gdb.thumbBit === true) return address & ~1n;
  return address;
}

/** `symbol (0x…)`, the address alone, or the first system call and where it was made. */
export function describeStop(stop: StopPoint, at: bigint | undefined = undefined): string {
  if (stop.kind === 'system call') {
    const sites = `${stop.vaddrs.length} system-call instruction${stop.vaddrs.length === 1 ? '' : 's'} in the code`;
    return `the first system call (${at === undefined ? '' : `${hex(at)}, `}one of ${sites})`;
  }
  const vaddr = stop.vaddrs[0] ?? 0n;
  return stop.symbol === undefined ? hex(vaddr) : `${stop.symbol} (${hex(vaddr)})`;
}

/** How the stop was chosen, in a report's words. */
export function describeChoice(stop: StopPoint): string {
  switch (stop.chosenBy) {
    case 'requested':
      return 'chosen by --stop-at';
    case 'main':
      return 'at main: no relocator recognised and no system call to stop at';
    case 'system call':
      return 'chosen as no symbol names the relocator';
    default:
      return `chosen by ${stop.chosenBy}`;
  }
}
