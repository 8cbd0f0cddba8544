/**
 * Where a running program is stopped to read its memory: right after its own relocator. Each way
 * of finding that place is one strategy in STOP_STRATEGIES, tried in order; `--stop-at` overrides
 * them all.
 */
import { type Arch, type ElfFile, hex, type SymbolEntry, type SymbolTable } from '../../../elf/index.js';
import { PiekitError } from '../../errors.js';
import { codeSegments, describeCodeSegments, systemCallSites } from './system-calls.js';

/** `--stop-at syscall`: the first system call, wherever it is made. */
export const SYSTEM_CALL_REQUEST = 'syscall';

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

/** What a strategy may look at. */
export interface StopContext {
  readonly elf: ElfFile;
  readonly symbols: SymbolTable;
}

/** One way of finding the stop: the stop, or why it does not apply to the file. */
export type StopStrategy = (context: StopContext) => StopPoint | { readonly refused: string };

/**
 * Where each runtime's own relocator is known to be done, recognised by its symbols. The stop is
 * the first function the runtime calls after relocating: everything before it must not need a
 * relocated word, and nothing in between writes a word the plan relocates.
 */
export interface RuntimeStop {
  readonly runtime: 'glibc' | 'musl' | 'piekit';
  /** A file with any of these symbols carries this runtime's relocator. */
  readonly relocator: readonly string[];
  /** The stop: the first of these the file has. */
  readonly stopAt: readonly string[];
  /** Where the sources say so. */
  readonly why: string;
}

export const RUNTIME_STOPS: readonly RuntimeStop[] = [
  {
    runtime: 'glibc',
    relocator: ['_dl_relocate_static_pie'],
    stopAt: ['__libc_setup_tls'],
    why:
      'glibc 2.36 csu/libc-start.c: __libc_start_main calls _dl_relocate_static_pie(), then ARCH_SETUP_IREL() ' +
      '(apply_irel, inlined: IRELATIVE resolvers through pointers), then ARCH_SETUP_TLS(), which is ' +
      '__libc_setup_tls() (x86 through the inline x86_setup_tls; Power runs apply_irel after it). It is ' +
      'the first function called by name after the relocation, and __libc_start_main is its only caller',
  },
  {
    runtime: 'musl',
    relocator: ['_dlstart_c', '_start_c'],
    stopAt: ['__dls2', '__libc_start_main'],
    why:
      'musl 1.2.3 ldso/dlstart.c, built into rcrt1.o as _start_c (crt/rcrt1.c): it applies the REL and RELA ' +
      'tables inline, then calls __dls2 through a pointer, and __dls2 calls __libc_start_main',
  },
  {
    runtime: 'piekit',
    relocator: ['pk_start_c'],
    stopAt: ['piekit_after_relocation'],
    why: "piekit's startup/start.c: pk_start_c inlines pk_relocate and then calls piekit_after_relocation",
  },
];

/** The first function a runtime recognised by its relocator's symbols calls once relocation is done. */
const afterRuntimeRelocator: StopStrategy = ({ elf, symbols }) => {
  for (const runtime of RUNTIME_STOPS) {
    if (!runtime.relocator.some((name) => symbols.has(name))) continue;
    const name = runtime.stopAt.find((candidate) => symbols.has(candidate));
    const symbol = name === undefined ? undefined : symbols.get(name);
    if (symbol !== undefined) return { kind: 'address', vaddrs: [entryOf(elf.arch, symbol)], symbol: name, chosenBy: runtime.runtime };
  }
  return { refused: 'no symbol tells where its relocator is done' };
};

/**
 * The first system call: it follows every relocator piekit knows, and comes before main, by which
 * the C runtime has already run code that writes planned words (glibc sets
 * program_invocation_name from argv).
 */
const atFirstSystemCall: StopStrategy = ({ elf }) => systemCallStop(elf, 'system call');

/** `main`: whatever the runtime, its relocation is done by then (constructors may have run). */
const atMain: StopStrategy = ({ elf, symbols }) => {
  const main = symbols.get('main');
  if (main === undefined) return { refused: 'it has no main' };
  return { kind: 'address', vaddrs: [entryOf(elf.arch, main)], symbol: 'main', chosenBy: 'main' };
};

/** Tried in this order: the most precise stop first. */
export const STOP_STRATEGIES: readonly StopStrategy[] = [afterRuntimeRelocator, atFirstSystemCall, atMain];

/**
 * The stop for a file: `request` (a symbol name, `syscall`, or a link-time address) when given,
 * else the first strategy's that applies.
 */
export function chooseStopPoint(elf: ElfFile, symbols: SymbolTable, request: string | bigint | undefined, file: string): StopPoint {
  if (request !== undefined) return requestedStop(elf, symbols, request, file);
  const refusals: string[] = [];
  for (const strategy of STOP_STRATEGIES) {
    const stop = strategy({ elf, symbols });
    if (!('refused' in stop)) return stop;
    refusals.push(stop.refused);
  }
  // The relocator's and the system call's reasons: main's absence goes without saying.
  throw new PiekitError('UNVERIFIABLE', `${file}: ${refusals.slice(0, 2).join(' and ')}: give the stop with --stop-at SYMBOL|ADDR`);
}

function requestedStop(elf: ElfFile, symbols: SymbolTable, request: string | bigint, file: string): StopPoint {
  if (typeof request === 'bigint')
    return { kind: 'address', vaddrs: [requestedAddress(elf, request, file)], symbol: undefined, chosenBy: 'requested' };
  if (request === SYSTEM_CALL_REQUEST) {
    const stop = systemCallStop(elf, 'requested');
    if ('refused' in stop) throw new PiekitError('UNVERIFIABLE', `--stop-at ${SYSTEM_CALL_REQUEST}: ${file}: ${stop.refused}`);
    return stop;
  }
  const symbol = symbols.get(request);
  if (symbol === undefined) {
    const closest = closestNames(request, symbols.names());
    const hint = closest.length === 0 ? `${file} has no symbols: give a link-time address` : `closest: ${closest.join(', ')}`;
    throw new PiekitError('UNVERIFIABLE', `--stop-at ${request}: ${file} has no symbol of that name (${hint})`);
  }
  return { kind: 'address', vaddrs: [entryOf(elf.arch, symbol)], symbol: request, chosenBy: 'requested' };
}

/** A breakpoint on every system-call instruction, or why there can be none. */
function systemCallStop(elf: ElfFile, chosenBy: 'system call' | 'requested'): StopPoint | { readonly refused: string } {
  if (elf.arch.emulator?.gdb.stop.kind !== 'breakpoint')
    return { refused: `qemu's ${elf.arch.name} stub cannot stop at a system call (no breakpoints)` };
  const vaddrs = systemCallSites(elf);
  if (vaddrs.length === 0) {
    const encodings = elf.arch.systemCalls.map((encoding) => encoding.assembly).join(', ') || 'none known';
    return { refused: `no system-call instruction (${encodings}) lies in ${describeCodeSegments(codeSegments(elf))}` };
  }
  return { kind: 'system call', vaddrs, symbol: undefined, chosenBy };
}

/** A requested address, refused unless it lies in an executable segment (elsewhere no instruction ever runs). */
function requestedAddress(elf: ElfFile, request: bigint, file: string): bigint {
  const address = codeAddress(elf.arch, request);
  const segments = codeSegments(elf);
  if (!segments.some((segment) => address >= segment.vaddr && address < segment.vaddr + segment.memsz)) {
    throw new PiekitError(
      'UNVERIFIABLE',
      `--stop-at ${hex(request)}: ${file} executes nothing there; its code lies in ${describeCodeSegments(segments)}`,
    );
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

/** The names nearest to `wanted` by edit distance, nearest first (ties in name order). */
function closestNames(wanted: string, names: Iterable<string>, count = 3): string[] {
  const scored: { name: string; distance: number }[] = [];
  for (const name of names) scored.push({ name, distance: editDistance(wanted, name) });
  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, count).map((entry) => entry.name);
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
