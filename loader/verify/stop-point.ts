import { type Arch, hex } from '../../elf/index.js';
import { closestNames } from './closest-names.js';
import { VerifyInputError } from './errors.js';
import { RUNTIME_STOPS, type RuntimeStop } from './runtime-stops.js';
import type { SymbolEntry, SymbolTable } from './symbol-table.js';

/** Where a running program is stopped to read its memory. */
export interface StopPoint {
  /** Link-time address of the instruction the stop goes on. */
  readonly vaddr: bigint;
  /** The function stopped in, when the file names it. */
  readonly symbol: string | undefined;
  /** The relocator recognised by its symbols, `main` when none was, `requested` for `stopAt`. */
  readonly chosenBy: RuntimeStop['runtime'] | 'main' | 'requested';
}

/**
 * The stop for a file: `request` (a symbol name, or a link-time address) when given, else right
 * after the relocator the file's symbols reveal, else `main`.
 */
export function chooseStopPoint(arch: Arch, symbols: SymbolTable, request: string | bigint | undefined, file: string): StopPoint {
  if (typeof request === 'bigint') return { vaddr: codeAddress(arch, request), symbol: undefined, chosenBy: 'requested' };
  if (request !== undefined) {
    const symbol = symbols.get(request);
    if (symbol === undefined) {
      const closest = closestNames(request, symbols.names());
      const hint = closest.length === 0 ? `${file} has no symbols: give a link-time address` : `closest: ${closest.join(', ')}`;
      throw new VerifyInputError(`--stop-at ${request}: ${file} has no symbol of that name (${hint})`);
    }
    return { vaddr: entryOf(arch, symbol), symbol: request, chosenBy: 'requested' };
  }
  for (const runtime of RUNTIME_STOPS) {
    if (!runtime.relocator.some((name) => symbols.has(name))) continue;
    const name = runtime.stopAt.find((candidate) => symbols.has(candidate));
    const symbol = name === undefined ? undefined : symbols.get(name);
    if (symbol !== undefined) return { vaddr: entryOf(arch, symbol), symbol: name, chosenBy: runtime.runtime };
  }
  const main = symbols.get('main');
  if (main !== undefined) return { vaddr: entryOf(arch, main), symbol: 'main', chosenBy: 'main' };
  throw new VerifyInputError(
    `${file} has no symbol that tells where its relocator is done (${symbols.size === 0 ? 'it is stripped' : 'no known runtime and no main'}): ` +
      'give the stop with --stop-at SYMBOL|ADDR',
  );
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

/** `symbol (0x…)` or the address alone. */
export function describeStop(stop: StopPoint): string {
  return stop.symbol === undefined ? hex(stop.vaddr) : `${stop.symbol} (${hex(stop.vaddr)})`;
}
