import { type ElfFile, PF_X, PT_LOAD } from '../../elf/index.js';
import type { MemorySnapshot, Plan, RunTimeResolved } from '../model/index.js';
import type { StopPoint } from './gdbstub/stop-points.js';

/** A resolver-written word that does not point into the program's code. */
export interface UnresolvedWord {
  readonly entry: RunTimeResolved;
  /** Run-time address of the word. */
  readonly address: bigint;
  /** What it holds, or undefined where it was not read. */
  readonly actual: bigint | undefined;
}

/** The IRELATIVE words of one run, checked against the executable segments of the loaded image. */
export interface ResolvedCheck {
  readonly words: number;
  readonly intoCode: number;
  readonly outside: readonly UnresolvedWord[];
}

/**
 * Why the words resolvers write cannot be checked at this stop, or undefined when they can. glibc
 * resolves them inside `_dl_relocate_static_pie` (`ELF_DYNAMIC_RELOCATE` with `skip_ifunc` 0),
 * so they are written at its stop and at the first system call; musl and piekit's stub never
 * resolve them.
 */
export function whyResolvedNotChecked(stop: StopPoint | undefined, method: 'dump' | 'core' | 'gdbstub'): string | undefined {
  if (method === 'dump') return "a sample's dump is written by piekit's stub, which resolves no IRELATIVE entry";
  if (method === 'core') return 'a core does not tell whether startup got past them';
  switch (stop?.chosenBy) {
    case 'musl':
      return "musl's startup resolves no IRELATIVE entry (musl has no IFUNC)";
    case 'piekit':
      return "piekit's stub resolves no IRELATIVE entry";
    case 'requested':
      return stop?.kind === 'address' ? 'a stop chosen by --stop-at may come before the resolvers run' : undefined;
    default:
      return undefined;
  }
}

/**
 * Each word a resolver wrote must hold an address in an executable PT_LOAD of the image at the
 * snapshot's base: its value cannot be planned, its range can. On Arm bit 0 marks Thumb code.
 */
export function checkResolved(elf: ElfFile, plan: Plan, snapshot: MemorySnapshot): ResolvedCheck {
  const w = plan.layout.wordSize;
  const mask = (1n << BigInt(w * 8)) - 1n;
  const code = elf.programHeaders
    .filter((header) => header.type === PT_LOAD && (header.flags & PF_X) !== 0)
    .map((header) => ({ low: header.vaddr, high: header.vaddr + header.memsz }));
  const thumbBit = elf.arch.emulator?.gdb.thumbBit === true ? ~1n : -1n;
  const outside: UnresolvedWord[] = [];
  for (const entry of plan.resolvedAtRunTime) {
    const actual = wordAt(snapshot, entry.offset, w, elf.reader.little);
    const link = actual === undefined ? undefined : ((actual & thumbBit) - snapshot.base) & mask;
    if (link === undefined || !code.some((segment) => link >= segment.low && link < segment.high)) {
      outside.push({ entry, address: (snapshot.base + entry.offset) & mask, actual });
    }
  }
  const words = plan.resolvedAtRunTime.length;
  return { words, intoCode: words - outside.length, outside };
}

function wordAt(snapshot: MemorySnapshot, vaddr: bigint, size: number, little: boolean): bigint | undefined {
  for (const segment of snapshot.segments) {
    const at = vaddr - segment.vaddr;
    if (at < 0n || at + BigInt(size) > BigInt(segment.bytes.length)) continue;
    const view = new DataView(segment.bytes.buffer, segment.bytes.byteOffset + Number(at), size);
    return size === 8 ? view.getBigUint64(0, little) : BigInt(view.getUint32(0, little));
  }
  return undefined;
}
