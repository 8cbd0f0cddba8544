import { ElfError, type ElfFile, hex } from '../../elf/index.js';
import { layoutOf } from './layout.js';

/**
 * The one rule every command applies to a load base it is given (plan, verify, run, trace), before
 * anything runs: aligned to the architecture's page (the records' `pageSize`, what the kernel and
 * piekit's loader map by), and the whole image, from its lowest to its highest PT_LOAD byte, inside
 * the address space of the file's word size. The model itself computes at any base (apply.ts); a
 * base a loader could never use is refused here, naming the value and the bound it breaks.
 */
export function requireLoadBase(elf: ElfFile, base: bigint): bigint {
  const { arch } = elf;
  const bits = elf.reader.wordSize * 8;
  if (base < 0n || base >= 1n << BigInt(bits)) {
    throw new ElfError('BAD_BASE', `Invalid load base ${hex(base)}: it does not fit a ${bits}-bit address (${arch.name})`);
  }
  if (base % arch.pageSize !== 0n) {
    throw new ElfError('BAD_BASE', `Invalid load base ${hex(base)}: it is not aligned to the ${hex(arch.pageSize)}-byte page of ${arch.name}`);
  }
  const layout = layoutOf(elf);
  const end = base + layout.start + BigInt(layout.size);
  if (end > 1n << BigInt(bits)) {
    throw new ElfError(
      'BAD_BASE',
      `Invalid load base ${hex(base)}: the PT_LOADs (${hex(layout.start)}..${hex(layout.start + BigInt(layout.size))}) would end at ${hex(end)}, past the ${bits}-bit address space`,
    );
  }
  return base;
}
