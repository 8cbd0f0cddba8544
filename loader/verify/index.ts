/** Comparing a relocated program's memory with the plan, and where that memory comes from. */
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
export { checkDumpFits, type Dump, type DumpSegment, parseDump } from './dump.js';
export { runSample, type SampleRun } from './dump-run.js';
