import { type ElfFile, EM_ARM, hex, PF_X, PT_LOAD } from '../../../elf/index.js';

/** ARM ELF ABI: code of a big-endian file linked for BE8 is little-endian, its data big-endian. */
const EF_ARM_BE8 = 0x00800000;

/** An executable PT_LOAD, as `--stop-at` and the system-call scan see it. */
export interface CodeSegment {
  readonly index: number;
  readonly vaddr: bigint;
  readonly memsz: bigint;
}

export function codeSegments(elf: ElfFile): CodeSegment[] {
  return elf.programHeaders
    .filter((header) => header.type === PT_LOAD && (header.flags & PF_X) !== 0)
    .map((header) => ({ index: header.index, vaddr: header.vaddr, memsz: header.memsz }));
}

/** `PT_LOAD 2 [0x1000, 0x5e3f1)`, for messages. */
export function describeCodeSegments(segments: readonly CodeSegment[]): string {
  if (segments.length === 0) return 'the file has no executable PT_LOAD';
  return segments.map((segment) => `PT_LOAD ${segment.index} [${hex(segment.vaddr)}, ${hex(segment.vaddr + segment.memsz)})`).join(', ');
}

function instructionsLittle(elf: ElfFile): boolean {
  if (elf.header.machine === EM_ARM && (elf.header.flags & EF_ARM_BE8) !== 0) return true;
  return elf.arch.instructionEndian === 'little';
}

/**
 * Link-time addresses of every byte sequence in the executable segments' file bytes that encodes
 * a system-call instruction of the architecture, in address order. Some lie in data or inside
 * other instructions: a breakpoint there is never hit, since qemu-user keeps breakpoints by the
 * program counter rather than by writing into the code.
 */
export function systemCallSites(elf: ElfFile): bigint[] {
  const little = instructionsLittle(elf);
  const sites = new Set<bigint>();
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD || (header.flags & PF_X) === 0) continue;
    const start = Number(header.offset);
    const length = Math.min(Number(header.filesz), elf.bytes.length - start);
    if (length <= 0) continue;
    // The file may be read lazily: its code is read in here.
    elf.reader.range(start, length, `PT_LOAD ${header.index}`);
    const view = new DataView(elf.bytes.buffer, elf.bytes.byteOffset + start, length);
    for (const encoding of elf.arch.systemCalls) {
      // Alignment is of run-time addresses; base and p_vaddr share it, so link-time ones tell.
      const misalignment = Number(header.vaddr % BigInt(encoding.align));
      const first = misalignment === 0 ? 0 : encoding.align - misalignment;
      const { mask, value, size, align } = encoding;
      for (let at = first; at + size <= length; at += align) {
        const word = size === 2 ? view.getUint16(at, little) : view.getUint32(at, little);
        if ((word & mask) >>> 0 === value) sites.add(header.vaddr + BigInt(at));
      }
    }
  }
  return [...sites].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
