/** Verifying a static-PIE's own relocation: where its memory comes from, and its comparison with the plan. */
export { type SymbolEntry, SymbolTable } from '../../elf/index.js';
export {
  type ComparedWords,
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
} from '../model/index.js';
export { type CoreMemory, type CoreSegment, coreBase, readCore } from './core.js';
export { checkDumpFits, type Dump, type DumpSegment, parseDump, runSample, type SampleRun } from './dump.js';
export { hasDumpHook } from './dump-hook.js';
export { GdbRemoteClient } from './gdbstub/client.js';
export { RANDOM_BASE_RANGES, randomBase } from './gdbstub/load-bases.js';
export {
  decodePayload,
  encodePacket,
  MAX_RETRANSMISSIONS,
  PacketScanner,
  packetChecksum,
  type WireAction,
  type WireEvent,
  wireAction,
} from './gdbstub/packet.js';
export {
  findProgramCounter,
  GdbRemoteError,
  type GdbRemoteErrorCode,
  parseStopReply,
  parseTargetDescription,
  type StopReply,
} from './gdbstub/replies.js';
export { type LiveOutcome, type LiveRunRequest, runToStopPoint } from './gdbstub/run.js';
export { type FilePatch, launchQemuSession, type QemuSession, type QemuSessionOptions, withQemuSession } from './gdbstub/session.js';
export {
  chooseStopPoint,
  RUNTIME_STOPS,
  type RuntimeStop,
  STOP_STRATEGIES,
  type StopContext,
  type StopPoint,
  type StopStrategy,
  SYSTEM_CALL_REQUEST,
} from './gdbstub/stop-points.js';
export type { RunObserver } from './observer.js';
export type { Afterwards, RunEnd, VerifyMethod, VerifyReport, VerifyRun } from './report.js';
export { reportJson, reportJsonParts } from './report-json.js';
export { describeChoice, renderVerify } from './report-text.js';
export { DEFAULT_TIMEOUT_MS, type VerifyOptions, verifyCore, verifyFile, verifyRunning } from './verify.js';
