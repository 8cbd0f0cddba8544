/** What startup code does to a file: the plan of its writes, an image, and applying one to the other. */
export { apply, checkBase } from './apply.js';
export {
  AsciiWriter,
  collect,
  decimalLength,
  fragment,
  hexLength,
  putBytes,
  putDecimal,
  putHex64,
  putSpaces,
} from './ascii-buffer.js';
// The comparison whole: piekit/verify publishes the part of it a user compares memory with.
export * from './compare.js';
export { type FinalWrite, finalWriteIndexes, finalWrites } from './final-writes.js';
export { createImage, type Image, imageFor, readImageWord } from './image.js';
export {
  BLOCK_ROWS,
  forEachRowBlock,
  type InspectedRelocation,
  type InspectedSegment,
  type InspectedTable,
  type Inspection,
  inspect,
  inspectHead,
  putSignedHex64,
  ROW_SOURCES,
  RowBlock,
  SOURCE_JMPREL,
  segmentFlags,
  segmentTypeName,
  signedHex,
} from './inspection.js';
export { writeInspectionJson } from './inspection-json.js';
export { IMAGE_LIMIT, type ImageLayout, type LoadSegment, layoutOf, segmentAt } from './layout.js';
export { requireLoadBase } from './load-base.js';
export { describeSource, localGotOf, type Plan, plan, type TableSummary } from './plan.js';
export { planJson, writePlanJson } from './plan-json.js';
export { perShape, putSymbolName, RowNames } from './row-names.js';
export { isResolvedAtRunTime, jmprelTable, lazyResolvedAtRunTime, type RunTimeResolved, resolvedAtRunTime } from './run-time-resolved.js';
export { forEachSkipped, lazySkipped, type SkipLog, type SkippedRelocation, type SkipVisitor, skippedByType, typeNameBytes } from './skipped.js';
export { joinWord, splitWord, TWO_32 } from './words.js';
export { ADD_BASE, SET_BASE_PLUS_ADDEND, SOURCE_GOT, SOURCE_REL, SOURCE_RELA, SOURCE_RELR, SOURCES, type Source, WriteList } from './write-list.js';
