/**
 * piekit's public API: read an ELF file, plan its self-relocation, apply it at any base, inspect
 * it, and the verification, audit and conversion built on them. The floors beneath have subpaths:
 * `piekit/elf` (the reader), `piekit/toolchain` (building), `piekit/userland` (running),
 * `piekit/verify` (memory comparison and its sources), `piekit/audit` (runtime models),
 * `piekit/convert` (the pieces of pack and unpack).
 */
export { type Arch, type ArchName, ElfError, type ElfErrorCode, type ElfFile, hex, readElf, readElfFile } from '../elf/index.js';
export {
  type AuditOptions,
  type AuditReport,
  auditBytes,
  auditElf,
  auditFile,
  auditPaths,
  type CostReport,
  type FileOutcome,
  type Hazard,
  RUNTIME_NAMES,
  RUNTIMES,
  type RuntimeModel,
  type RuntimeName,
  type RuntimeReport,
  type RuntimeStatus,
  renderAudit,
} from './audit/index.js';
export {
  type CheckedConversion,
  type Conversion,
  type ConvertFileOptions,
  convertFile,
  type Proof,
  pack,
  proveEquivalent,
  renderConversion,
  type TableSize,
  type UnpackOptions,
  unpack,
} from './convert/index.js';
export { ENGINES, type Engine, NativeStatus, type Relocated, relocate } from './engines/index.js';
export { PiekitError, type PiekitErrorCode } from './errors.js';
export {
  apply,
  type FinalWrite,
  finalWrites,
  type Image,
  type InspectedRelocation,
  type InspectedSegment,
  type InspectedTable,
  type Inspection,
  imageFor,
  inspect,
  type Plan,
  plan,
  planJson,
  type SkippedRelocation,
  SOURCES,
  type TableSummary,
} from './model/index.js';
export {
  renderVerify,
  reportJson,
  type VerifyOptions,
  type VerifyReport,
  type VerifyRun,
  verifyCore,
  verifyFile,
  verifyRunning,
} from './verify/index.js';
