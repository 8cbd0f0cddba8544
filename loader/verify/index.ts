/** Verifying a static-PIE's own relocation: where its memory comes from, and its comparison with the plan. */

export { type SymbolEntry, SymbolTable } from '../../elf/index.js';
export {
  type Comparison,
  comparePlannedWords,
  compareSegments,
  countByKind,
  DIFFERENCE_KINDS,
  type Difference,
  type DifferenceKind,
  expectedImage,
  type MemorySegment,
  type MemorySnapshot,
} from './compare.js';
export { type CoreMemory, coreBase, readCore } from './core.js';
export { checkDumpFits, type Dump, type DumpSegment, parseDump } from './dump.js';
export { hasDumpHook } from './dump-marker.js';
export { runSample, type SampleRun } from './dump-run.js';
export { VerifyInputError } from './errors.js';
export {
  decodePayload,
  encodePacket,
  findProgramCounter,
  GdbRemoteClient,
  GdbRemoteError,
  type GdbRemoteErrorCode,
  MAX_RETRANSMISSIONS,
  PacketScanner,
  packetChecksum,
  parseStopReply,
  parseTargetDescription,
  type StopReply,
  type WireAction,
  type WireEvent,
  wireAction,
} from './gdb-remote.js';
export { type LiveOutcome, type LiveRunRequest, runToStopPoint } from './live-run.js';
export { RANDOM_BASE_RANGES, randomBase } from './load-bases.js';
export { launchQemuSession, type QemuSession, QemuSessionError, type QemuSessionOptions, withQemuSession } from './qemu-session.js';
export type { Afterwards, ComparedWords, RunEnd, VerifyMethod, VerifyReport, VerifyRun } from './report.js';
export { reportJson } from './report-json.js';
export { renderVerify } from './report-text.js';
export { RUNTIME_STOPS, type RuntimeStop } from './runtime-stops.js';
export { chooseStopPoint, type StopPoint } from './stop-point.js';
export { DEFAULT_TIMEOUT_MS, type VerifyOptions, verifyFile, verifyRunning } from './verify.js';
export { verifyCore } from './verify-core.js';
