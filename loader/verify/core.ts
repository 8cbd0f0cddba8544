/**
 * The core method: the memory of a program a core file (ET_CORE, from Linux or qemu-user) caught,
 * at the base its auxv gives, compared with the plan.
 */
import {
  AT_ENTRY,
  AT_NULL,
  AT_PHDR,
  type ElfFile,
  ET_CORE,
  hex,
  NT_AUXV,
  NT_PRSTATUS,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  readElfFile,
} from '../../elf/index.js';
import type { Engine } from '../engines/index.js';
import { PiekitError } from '../errors.js';
import { type MemorySegment, type MemorySnapshot, type Plan, plan, relocationErrors } from '../model/index.js';
import { baseMismatch, comparePlanned, fileBytes } from './memory-check.js';
import type { VerifyRun } from './report.js';

/** What a core file says about the process it was taken from. */
export interface CoreMemory {
  /** NT_AUXV, by AT_* type. */
  readonly auxv: ReadonlyMap<bigint, bigint>;
  /** The signal that ended the process (NT_PRSTATUS pr_info.si_signo), in the target's numbering. */
  readonly signal: number | undefined;
  /**
   * The bytes each PT_LOAD holds, at run-time addresses (p_filesz of them: the rest was not
   * dumped); `size` is their count, and `bytes` are read from the core when first asked for.
   */
  readonly segments: readonly CoreSegment[];
}

export interface CoreSegment extends MemorySegment {
  readonly size: number;
}

/**
 * Reads a core file (ET_CORE, as Linux or qemu-user write it): the notes and the dumped memory.
 * Notes are `namesz, descsz, type` words of 4 bytes, then the name and the descriptor, each padded
 * to 4 bytes (Linux writes cores so in both classes; a PT_NOTE aligned to 8 pads to 8).
 */
export function readCore(core: ElfFile, path: string): CoreMemory {
  if (core.header.type !== ET_CORE)
    throw new PiekitError('UNVERIFIABLE', `${path} is not a core file (e_type ${core.header.type}, ET_CORE is ${ET_CORE})`);
  const reader = core.reader;
  const auxv = new Map<bigint, bigint>();
  let signal: number | undefined;
  for (const note of core.programHeaders.filter((header) => header.type === PT_NOTE)) {
    const start = reader.range(note.offset, note.filesz, `core PT_NOTE ${note.index}`);
    const end = start + Number(note.filesz);
    const align = note.align === 8n ? 8 : 4;
    const pad = (value: number): number => (value + align - 1) & ~(align - 1);
    for (let at = start; at + 12 <= end; ) {
      const nameSize = reader.u32(at);
      const descSize = reader.u32(at + 4);
      const type = reader.u32(at + 8);
      const name = new TextDecoder('latin1').decode(reader.bytes.subarray(at + 12, at + 12 + Math.max(0, nameSize - 1)));
      const desc = at + 12 + pad(nameSize);
      if (desc + descSize > end) throw new PiekitError('UNVERIFIABLE', `${path}: a note of type ${type} runs past the end of PT_NOTE ${note.index}`);
      if (name === 'CORE' && type === NT_AUXV) readAuxv(core, desc, descSize, auxv);
      // The first NT_PRSTATUS is the thread that took the signal; its struct starts with elf_siginfo.
      if (name === 'CORE' && type === NT_PRSTATUS && signal === undefined && descSize >= 4) signal = reader.u32(desc);
      at = desc + pad(descSize);
    }
  }
  const segments = core.programHeaders
    .filter((header) => header.type === PT_LOAD && header.filesz > 0n)
    .map((header): CoreSegment => {
      const what = `core PT_LOAD ${header.index}`;
      // Checked now, read when compared: a core holds the stack, the heap and the emulator's own mappings too.
      const at = reader.check(header.offset, header.filesz, what);
      const size = Number(header.filesz);
      let bytes: Uint8Array | undefined;
      return {
        vaddr: header.vaddr,
        size,
        get bytes() {
          bytes ??= reader.bytes.subarray(reader.range(at, size, what), at + size);
          return bytes;
        },
      };
    });
  return { auxv, signal, segments };
}

function readAuxv(core: ElfFile, at: number, size: number, auxv: Map<bigint, bigint>): void {
  const w = core.reader.wordSize;
  for (let entry = at; entry + 2 * w <= at + size; entry += 2 * w) {
    const type = core.reader.word(entry);
    if (type === BigInt(AT_NULL)) break;
    auxv.set(type, core.reader.word(entry + w));
  }
}

/** The run a core of FILE shows: its planned words compared with what the engine predicts at the core's base. */
export async function coreRun(file: string, elf: ElfFile, core: string, engine: Engine): Promise<{ readonly plan: Plan; readonly run: VerifyRun }> {
  const coreElf = readElfFile(core);
  const same =
    coreElf.header.machine === elf.header.machine && coreElf.reader.wordSize === elf.reader.wordSize && coreElf.reader.endian === elf.reader.endian;
  if (!same) {
    throw new PiekitError(
      'UNVERIFIABLE',
      `${core} is a core of another architecture (e_machine ${coreElf.header.machine}, ELF${coreElf.header.class} ${coreElf.reader.endian}-endian), ` +
        `${file} is ${elf.arch.name}`,
    );
  }
  const memory = readCore(coreElf, core);
  const base = coreBase(memory, elf, core, file);
  const planned = plan(elf);
  const mismatch = await baseMismatch(planned, fileBytes(elf), base, async (address, length) => {
    const segment = memory.segments.find(
      (candidate) => address >= candidate.vaddr && address + BigInt(length) <= candidate.vaddr + BigInt(candidate.size),
    );
    return segment?.bytes.subarray(Number(address - segment.vaddr), Number(address - segment.vaddr) + length);
  });
  if (mismatch !== undefined && mismatch !== 'unchecked') throw new PiekitError('UNVERIFIABLE', `${core} is not a core of ${file}: ${mismatch}`);
  const mask = elf.reader.wordMask;
  const { start, size } = planned.layout;
  // The core's segments at link-time addresses, those that hold part of the image only: the
  // comparison reads nothing else. Those below the base wrap far past the image.
  const snapshot: MemorySnapshot = {
    base,
    segments: memory.segments
      .map((segment) => ({ vaddr: (segment.vaddr - base) & mask, segment }))
      .filter(({ vaddr, segment }) => vaddr < start + BigInt(size) && vaddr + BigInt(segment.size) > start)
      .map(({ vaddr, segment }) => ({ vaddr, bytes: segment.bytes })),
  };
  const compared = comparePlanned(elf, planned, snapshot, engine);
  const signalName = memory.signal === undefined ? undefined : LINUX_SIGNALS[memory.signal];
  const end = { reason: 'core' as const, signal: memory.signal, signalName };
  return {
    plan: planned,
    run: { base, end, compared, resolved: undefined, verified: relocationErrors(compared) === 0, afterwards: undefined, message: undefined },
  };
}

/**
 * Names of the Linux signal numbers every Linux architecture shares, as NT_PRSTATUS gives them; the
 * others (SIGBUS is 7 on most, 10 on MIPS and SPARC) stay numbers.
 */
const LINUX_SIGNALS: Readonly<Record<number, string>> = { 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV' };

/**
 * The base the program ran at, from the auxv: AT_ENTRY less e_entry, checked against AT_PHDR less
 * the program headers' link-time address. A program started through a loader of its own has the
 * loader's auxv in its core; the two then disagree with the file, or its memory is not there.
 */
export function coreBase(core: CoreMemory, elf: ElfFile, path: string, file: string): bigint {
  const mask = elf.reader.wordMask;
  const entry = core.auxv.get(BigInt(AT_ENTRY));
  const phdr = core.auxv.get(BigInt(AT_PHDR));
  const phdrVaddr = programHeadersVaddr(elf);
  const fromEntry = entry === undefined ? undefined : (entry - elf.header.entry) & mask;
  const fromPhdr = phdr === undefined || phdrVaddr === undefined ? undefined : (phdr - phdrVaddr) & mask;
  const base = fromEntry ?? fromPhdr;
  if (base === undefined) throw new PiekitError('UNVERIFIABLE', `${path} has no NT_AUXV with AT_ENTRY or AT_PHDR: the load base is unknown`);
  if (fromEntry !== undefined && fromPhdr !== undefined && fromEntry !== fromPhdr) {
    throw new PiekitError(
      'UNVERIFIABLE',
      `${path} is not a core of ${file}: its auxv gives base ${hex(fromEntry)} from AT_ENTRY and ${hex(fromPhdr)} from AT_PHDR`,
    );
  }
  return base;
}

function programHeadersVaddr(elf: ElfFile): bigint | undefined {
  const phdr = elf.programHeaders.find((header) => header.type === PT_PHDR);
  if (phdr !== undefined) return phdr.vaddr;
  const phoff = elf.header.phoff;
  const holder = elf.programHeaders.find((header) => header.type === PT_LOAD && phoff >= header.offset && phoff - header.offset < header.filesz);
  return holder === undefined ? undefined : holder.vaddr + (phoff - holder.offset);
}
