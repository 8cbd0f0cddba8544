import { AddressMap } from './address-map.js';
import { type Arch, identifyArch } from './architectures.js';
import { ET_DYN, ET_EXEC, PT_DYNAMIC, PT_INTERP } from './constants.js';
import { type Diagnostics, stopAtFirstError } from './diagnostics.js';
import { type DynamicSection, findDynamicHeader, readDynamic } from './dynamic.js';
import { ElfError } from './errors.js';
import { type ElfHeader, openReader, readHeader } from './header.js';
import { type ProgramHeader, readProgramHeaders, usesExtendedPhnum } from './program-headers.js';
import type { ElfReader, LazySource } from './reader.js';
import { findRelocationTables, type InfoDecoder, infoDecoder, type RelocationTable } from './relocations.js';
import { readExtendedCounts, readSectionHeaders, type SectionHeader } from './section-headers.js';

export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly reader: ElfReader;
  readonly header: ElfHeader;
  readonly arch: Arch;
  readonly programHeaders: readonly ProgramHeader[];
  /** Empty when the file has none: nothing the relocator does depends on them. */
  readonly sectionHeaders: readonly SectionHeader[];
  readonly addressMap: AddressMap;
}

/**
 * Parses the header, program headers and (when present) section headers of an ELF file. With
 * `source`, `bytes` may start out empty beyond e_ident: each range is filled before it is read.
 */
export function readElf(bytes: Uint8Array, source?: LazySource): ElfFile {
  const reader = openReader(bytes, source);
  const header = readHeader(reader);
  const counts = readExtendedCounts(reader, header, usesExtendedPhnum(header));
  const programHeaders = readProgramHeaders(reader, header, counts.phnum);
  const sectionHeaders = readSectionHeaders(reader, header, counts);
  const arch = identifyArch(header.machine, reader.wordSize, reader.endian, header.entry);
  return { bytes, reader, header, arch, programHeaders, sectionHeaders, addressMap: new AddressMap(reader, programHeaders) };
}

/** What a startup relocator reads: the dynamic section and the tables it points to. */
export interface RelocationInfo {
  readonly dynamic: DynamicSection;
  readonly tables: readonly RelocationTable[];
  readonly decoder: InfoDecoder;
}

/**
 * Reports to `diagnostics` anything a static-PIE's own startup code could not relocate; a file that
 * is not ET_DYN, or has no dynamic array to read, is refused under either policy.
 */
export function readRelocationInfo(elf: ElfFile, diagnostics: Diagnostics = stopAtFirstError): RelocationInfo {
  requirePositionIndependent(elf);
  const dynamic = readDynamic(elf.reader, elf.addressMap, findDynamicHeader(elf.programHeaders));
  return { dynamic, tables: findRelocationTables(elf.reader, elf.addressMap, dynamic, diagnostics), decoder: infoDecoder(elf.arch) };
}

/**
 * Refuses what is not a static-PIE: an ET_DYN file with PT_DYNAMIC and no PT_INTERP. Anything
 * else is relocated by someone other than its own startup code, or not at all.
 */
export function requireStaticPie(elf: ElfFile): void {
  requirePositionIndependent(elf);
  if (elf.programHeaders.some((header) => header.type === PT_INTERP)) {
    throw new ElfError('NOT_PIE', 'Invalid ELF program headers: PT_INTERP names a dynamic linker, which relocates it; this is not a static-PIE');
  }
  if (!elf.programHeaders.some((header) => header.type === PT_DYNAMIC)) {
    throw new ElfError('NO_DYNAMIC', 'Invalid ELF program headers: no PT_DYNAMIC, so the file has nothing to relocate itself with');
  }
}

function requirePositionIndependent(elf: ElfFile): void {
  const type = elf.header.type;
  if (type === ET_EXEC) {
    throw new ElfError('NOT_PIE', 'Invalid ELF type: e_type = ET_EXEC (2), a fixed-address executable is not position-independent');
  }
  if (type !== ET_DYN) throw new ElfError('NOT_PIE', `Invalid ELF type: e_type = ${type}, only ET_DYN (3) files relocate themselves`);
}
