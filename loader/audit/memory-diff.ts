import { ElfError } from '../../elf/index.js';
import { countByKind, DIFFERENCE_KINDS, type DifferenceTally, type Image, type Plan, tallyDifferences } from '../model/index.js';
import type { FileContext } from './file-context.js';
import { modelImage, snapshotOf } from './model-memory.js';
import type { ModelRun } from './relocator.js';

type Runs = Extract<ModelRun, { status: 'runs' }>;

const NONE: DifferenceTally = { count: 0, byKind: countByKind([], DIFFERENCE_KINDS), first: [] };

/**
 * The words where the memory a run leaves differs from the plan's, classified by piekit's
 * comparison (loader/model/compare.ts) as `verify` classifies a real program's memory: every word
 * of the writable segments, and the plan's words in read-only ones (text relocations). Counted by
 * kind; only the `limit` of lowest address are described.
 */
export function tallyFromPlan(context: FileContext, plan: Plan, expected: Image, run: Runs, base: bigint, limit: number): DifferenceTally {
  if (sameWrites(plan, run)) return NONE;
  const image = modelImage(context, run, base, plan.relocatedSegments);
  const writable = plan.layout.segments.filter((segment) => segment.writable);
  if (writable.every((segment) => sameBytes(image, expected, segment.offset, segment.memorySize)) && plan.textRelocations.length === 0) return NONE;
  const readOnly = plan.relocatedSegments.filter((segment) => !segment.writable);
  const planned = snapshotOf(image, plan.relocatedSegments, base);
  let inSegments: DifferenceTally;
  try {
    inSegments = tallyDifferences(plan, snapshotOf(image, writable, base), expected, 'segments', limit);
  } catch (error) {
    // A segment whose start is not word-aligned cannot be compared word by word from its start:
    // fall back to the plan's own words.
    if (!(error instanceof ElfError)) throw error;
    return tallyDifferences(plan, planned, expected, 'planned', limit);
  }
  if (readOnly.length === 0) return inSegments;
  const inReadOnly = (offset: number): boolean =>
    readOnly.some((segment) => offset >= segment.offset && offset - segment.offset < segment.memorySize);
  const text = tallyDifferences(plan, planned, expected, 'planned', limit, inReadOnly);
  const byKind = countByKind([], DIFFERENCE_KINDS);
  for (const kind of DIFFERENCE_KINDS) byKind[kind] = inSegments.byKind[kind] + text.byKind[kind];
  const first = [...inSegments.first, ...text.first].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0)).slice(0, limit);
  return { count: inSegments.count + text.count, byKind, first };
}

/**
 * How many words differ from the plan, without classifying them: the words of the writable
 * segments (aligned on run-time addresses as the comparison aligns them) and the plan's words in
 * read-only segments. Directory audits count; classifying every word of every library costs more
 * than the audit itself.
 */
export function countDifferingWords(context: FileContext, plan: Plan, expected: Image, run: Runs, base: bigint): number {
  if (sameWrites(plan, run)) return 0;
  const image = modelImage(context, run, base, plan.relocatedSegments);
  const w = plan.layout.wordSize;
  let differing = 0;
  for (const segment of plan.layout.segments.filter((candidate) => candidate.writable)) {
    if (sameBytes(image, expected, segment.offset, segment.memorySize)) continue;
    const end = segment.offset + segment.memorySize;
    for (let word = segment.offset - Number(segment.header.vaddr % BigInt(w)); word < end; word += w) {
      if (differs(image, expected, Math.max(word, segment.offset), Math.min(word + w, end))) differing++;
    }
  }
  const text = new Set(Array.from(plan.textRelocations, (index) => plan.writes.targets[index] as number));
  for (const offset of text) if (differs(image, expected, offset, offset + w)) differing++;
  return differing;
}

function differs(a: Image, b: Image, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (a.bytes[at - a.origin] !== b.bytes[at - b.origin]) return true;
  return false;
}

/** The same writes in the same order: the same memory, without building it. */
function sameWrites(plan: Plan, run: Runs): boolean {
  const a = plan.writes;
  const b = run.writes;
  if (a.count !== b.count) return false;
  for (let i = 0; i < a.count; i++) {
    if (a.targets[i] !== b.targets[i] || a.kinds[i] !== b.kinds[i]) return false;
    if (a.kinds[i] !== 0 && (a.addendLow[i] !== b.addendLow[i] || a.addendHigh[i] !== b.addendHigh[i])) return false;
  }
  return true;
}

function sameBytes(a: Image, b: Image, offset: number, size: number): boolean {
  const x = a.bytes.subarray(offset - a.origin, offset - a.origin + size);
  const y = b.bytes.subarray(offset - b.origin, offset - b.origin + size);
  return x.length === size && y.length === size && Buffer.from(x.buffer, x.byteOffset, size).equals(Buffer.from(y.buffer, y.byteOffset, size));
}
