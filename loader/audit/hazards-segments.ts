import { hex, type ProgramHeader, PT_INTERP, PT_LOAD } from '../../elf/index.js';
import { segmentFlags } from '../model/index.js';
import type { FileContext } from './file-context.js';
import { type Hazard, LISTED, simpleHazard } from './hazard.js';
import { loadConflicts } from './load-conflicts.js';

/**
 * The program headers as the kernel maps them (fs/binfmt_elf.c maps each PT_LOAD page by page at
 * p_offset - (p_vaddr % page)): PT_LOADs that overlap, that share a page while asking for different
 * permissions (the later mapping decides for the whole page), whose p_offset and p_vaddr differ
 * modulo the page size (the mapping cannot be made), and a PT_INTERP, which makes the file a
 * dynamically linked one whose interpreter relocates it.
 */
export function segmentHazards(context: FileContext): Hazard[] {
  const { elf } = context;
  const page = context.arch.pageSize;
  const loads = elf.programHeaders.filter((header) => header.type === PT_LOAD && header.memsz > 0n);
  const hazards: Hazard[] = [];
  for (const load of loads) {
    if (load.offset % page !== load.vaddr % page) {
      hazards.push(
        simpleHazard(
          'load-congruence',
          'error',
          `PT_LOAD ${load.index}: p_offset ${hex(load.offset)} and p_vaddr ${hex(load.vaddr)} differ modulo the ${page}-byte page: the kernel cannot map it`,
          [hex(load.vaddr)],
        ),
      );
    }
  }
  const describe = (load: ProgramHeader): string =>
    `PT_LOAD ${load.index} (${hex(load.vaddr)}..${hex(load.vaddr + load.memsz)}, ${segmentFlags(load.flags).trim()})`;
  for (const { first, second, overlap } of loadConflicts(loads, page, LISTED)) {
    const names = `${describe(first)} and ${describe(second)}`;
    const addresses = [hex(first.vaddr), hex(second.vaddr)];
    hazards.push(
      overlap
        ? simpleHazard('load-overlap', 'error', `${names} overlap`, addresses)
        : simpleHazard(
            'load-shared-page',
            'warning',
            `${names} share a ${page}-byte page with different permissions: one mapping decides for both`,
            addresses,
          ),
    );
  }
  const interp = elf.programHeaders.find((header) => header.type === PT_INTERP);
  if (interp !== undefined) {
    hazards.push(
      simpleHazard(
        'interp',
        'error',
        `PT_INTERP names ${interpreterName(context, interp.offset, interp.filesz)}: not a static-PIE, its interpreter relocates it`,
      ),
    );
  }
  return hazards;
}

function interpreterName(context: FileContext, offset: bigint, size: bigint): string {
  const fileSize = BigInt(context.elf.bytes.length);
  if (offset >= fileSize || size === 0n) return 'an interpreter outside the file';
  const length = Number([size, fileSize - offset, 4096n].reduce((least, next) => (next < least ? next : least)));
  const at = context.elf.reader.range(offset, length, 'PT_INTERP');
  const bytes = context.elf.bytes.subarray(at, at + length);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? length : end).toString('latin1') || 'an empty interpreter name';
}
