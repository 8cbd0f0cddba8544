export { AddressMap } from './address-map.js';
export {
  type Arch,
  type ArchName,
  archByName,
  architectures,
  type Emulator,
  type GdbRegister,
  type GdbStub,
  hostArch,
  type InfoLayout,
  identifyArch,
  type Requirement,
  type SystemCallEncoding,
  sampleFormats,
  type Toolchain,
} from './architectures.js';
export { constantDataRanges, type FileRange, inConstantData } from './constant-data.js';
export * from './constants.js';
export { collectErrors, type Diagnostics, stopAtFirstError } from './diagnostics.js';
export type { DynamicEntry, DynamicSection } from './dynamic.js';
export { dynamicTagNames } from './dynamic-tags.js';
export { ElfError, type ElfErrorCode, hex } from './errors.js';
export { type ElfFile, type RelocationInfo, readElf, readRelocationInfo, requireStaticPie } from './file.js';
export { readElfFile } from './file-source.js';
export type { ElfHeader } from './header.js';
export { hostWords, hostWordView, swapUnlessHostOrder } from './host-words.js';
export { PHDR_SIZE, type ProgramHeader } from './program-headers.js';
export { ElfReader, type Endian, type WordSize, wordHalves, wordMask } from './reader.js';
export type { RelocationNames } from './relocation-names.js';
export {
  encodeInfo,
  type InfoDecoder,
  infoDecoder,
  type Relocation,
  type RelocationTable,
  readRelocation,
  relativeInfo,
  relocationTable,
  TABLE_TAGS,
  type TableKind,
  type TableTags,
  type TableWords,
  tableWords,
  typeName,
} from './relocations.js';
export { countRelrAddresses, decodeRelr, type RelrAddress, RelrAddresses, RelrEntries, setBitIndexes } from './relr.js';
export { encodeRelr, encodeRelrOffsets, type RelrWords } from './relr-encoding.js';
export { readString, type SectionHeader, SHDR_SIZE } from './section-headers.js';
export { AddressNames, type SymbolEntry, type SymbolName, SymbolTable } from './symbols.js';
