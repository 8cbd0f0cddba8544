import type { ElfFile } from '../../elf/index.js';
import { finalWriteIndexes, type Plan } from '../model/index.js';
import { addressAt, countAt, kindAt, pcAt, RECORD_LOAD, RECORD_STORE, sizeAt, type TraceRecord } from './record.js';

/**
 * The relocator's own read-modify-write of a word (REL and RELR `*p += base`, the MIPS local GOT)
 * loads it at most this many instructions before storing it; a load further back, or one followed
 * by another access first, is a read of an unrelocated word.
 */
export const READ_MODIFY_WRITE_WINDOW = 32n;
/** Relocating stores farther apart than this belong to different code. */
const RELOCATOR_GAP = 4096n;
const NEVER = 1n << 64n;

export type FindingKind = 'read before relocation' | 'written twice' | 'written by other code' | 'never written';

/** An instruction of the trace: its run-time pc and how many instructions ran before it since the entry. */
export interface TracedInstruction {
  readonly pc: bigint;
  readonly count: bigint;
}

export interface RawFinding {
  readonly kind: FindingKind;
  /** Image offset of the planned word. */
  readonly word: number;
  /** The reading instruction, the extra or foreign store; none for a word never written. */
  readonly by: TracedInstruction | undefined;
  /** The store that relocated the word, when one did. */
  readonly relocatedBy: TracedInstruction | undefined;
  /** Stores the relocator made to the word, and the plan's writes to it. */
  readonly stores: number;
  readonly planned: number;
}

/** How many planned words ended each way. */
export interface TracedWordCounts {
  readonly relocated: number;
  readonly readBeforeRelocation: number;
  readonly writtenTwice: number;
  readonly writtenByOtherCode: number;
  readonly neverWritten: number;
}

export interface Judgement {
  readonly plannedWords: number;
  readonly words: TracedWordCounts;
  readonly findings: readonly RawFinding[];
  readonly relocator:
    | {
        /** Run-time pcs of the lowest and highest relocating store instructions. */
        readonly low: bigint;
        readonly high: bigint;
        readonly first: TracedInstruction;
        readonly last: TracedInstruction;
        readonly pagesDirtied: number;
      }
    | undefined;
}

interface Access {
  readonly index: number;
  readonly pc: bigint;
  readonly count: bigint;
}

/**
 * Judges the accesses of a traced startup against the plan at `base`: which planned words the
 * relocator stored, which were read before it did, stored twice, by other code, or never.
 * `from` is the first record of the program's own run (its entry); counts are relative to `entryCount`.
 */
export function judgeTrace(elf: ElfFile, planned: Plan, record: TraceRecord, base: bigint, from: number, entryCount: bigint): Judgement {
  const { layout } = planned;
  const wordSize = layout.wordSize;
  const mask = (1n << BigInt(wordSize * 8)) - 1n;
  const origin = (base + layout.start) & mask;
  const span = BigInt(layout.size);
  const order = finalWriteIndexes(planned);
  const words = Array.from(order, (index) => planned.writes.targets[index] as number);
  const writers = new Map<number, number>();
  for (let i = 0; i < planned.writes.count; i++) {
    const target = planned.writes.targets[i] as number;
    writers.set(target, (writers.get(target) ?? 0) + 1);
  }
  // Planned words by word slot; words off the word grid (rare) by each of their bytes.
  const bySlot = new Map<number, number>();
  const byByte = new Map<number, number>();
  words.forEach((offset, word) => {
    if (offset % wordSize === 0) bySlot.set(offset / wordSize, word);
    else for (let byte = 0; byte < wordSize; byte++) byByte.set(offset + byte, word);
  });
  const touched = (offset: number, size: number, found: Set<number>): void => {
    found.clear();
    for (let slot = Math.floor(offset / wordSize); slot * wordSize < offset + size; slot++) {
      const word = bySlot.get(slot);
      if (word !== undefined) found.add(word);
    }
    if (byByte.size > 0) {
      for (let byte = offset; byte < offset + size; byte++) {
        const word = byByte.get(byte);
        if (word !== undefined) found.add(word);
      }
    }
  };
  // Every access to a planned word, in order: [record index, word].
  const accesses: { index: number; word: number; store: boolean }[] = [];
  const found = new Set<number>();
  for (let index = from; index < record.count; index++) {
    const kind = kindAt(record, index);
    if (kind !== RECORD_LOAD && kind !== RECORD_STORE) continue;
    const offset = (addressAt(record, index) - origin) & mask;
    if (offset >= span) continue;
    touched(Number(offset), sizeAt(record, index), found);
    for (const word of found) accesses.push({ index, word, store: kind === RECORD_STORE });
  }
  const instruction = (index: number): Access => ({ index, pc: pcAt(record, index), count: countAt(record, index) - entryCount });
  const relocatorPcs = relocatorCode(accesses.filter((access) => access.store).map((access) => pcAt(record, access.index)));

  const relocatedBy = new Map<number, Access>();
  const stores = new Map<number, number>();
  const pending = new Map<number, Access>();
  const flagged = new Map<FindingKind, Set<number>>();
  const raised: { kind: FindingKind; word: number; by: Access | undefined }[] = [];
  const flag = (kind: FindingKind, word: number, by: Access | undefined): void => {
    const set = flagged.get(kind) ?? new Set<number>();
    flagged.set(kind, set);
    if (set.has(word)) return;
    set.add(word);
    raised.push({ kind, word, by });
  };
  let low: bigint | undefined;
  let high: bigint | undefined;
  let first: Access | undefined;
  let last: Access | undefined;
  const pages = new Set<bigint>();
  const pageSize = elf.arch.pageSize;
  for (const access of accesses) {
    const at = instruction(access.index);
    const word = access.word;
    if (!access.store) {
      if (relocatedBy.has(word)) continue;
      const earlier = pending.get(word);
      if (earlier !== undefined) flag('read before relocation', word, earlier);
      // Judged by what comes next: the relocator's store of this word right after it, or not.
      pending.set(word, at);
      continue;
    }
    if (!relocatorPcs.has(at.pc)) {
      flag('written by other code', word, at);
      continue;
    }
    const load = pending.get(word);
    pending.delete(word);
    if (load !== undefined && (relocatedBy.has(word) || at.count - load.count > READ_MODIFY_WRITE_WINDOW)) flag('read before relocation', word, load);
    const count = (stores.get(word) ?? 0) + 1;
    stores.set(word, count);
    if (!relocatedBy.has(word)) relocatedBy.set(word, at);
    if (count > (writers.get(words[word] as number) ?? 1)) flag('written twice', word, at);
    low = low === undefined || at.pc < low ? at.pc : low;
    high = high === undefined || at.pc > high ? at.pc : high;
    first ??= at;
    last = at;
    const address = addressAt(record, access.index);
    pages.add(address / pageSize);
    pages.add((address + BigInt(sizeAt(record, access.index)) - 1n) / pageSize);
  }
  for (const [word, load] of pending) flag('read before relocation', word, load);
  words.forEach((_, word) => {
    if (!relocatedBy.has(word)) flag('never written', word, undefined);
  });
  const counted = (kind: FindingKind): number => flagged.get(kind)?.size ?? 0;
  // In the order the program met them; words never written last.
  const findings: RawFinding[] = raised
    .sort((a, b) => ((a.by?.count ?? NEVER) < (b.by?.count ?? NEVER) ? -1 : (a.by?.count ?? NEVER) > (b.by?.count ?? NEVER) ? 1 : 0))
    .map(({ kind, word, by }) => {
      const offset = words[word] as number;
      return { kind, word: offset, by, relocatedBy: relocatedBy.get(word), stores: stores.get(word) ?? 0, planned: writers.get(offset) ?? 0 };
    });
  return {
    plannedWords: words.length,
    words: {
      relocated: relocatedBy.size,
      readBeforeRelocation: counted('read before relocation'),
      writtenTwice: counted('written twice'),
      writtenByOtherCode: counted('written by other code'),
      neverWritten: counted('never written'),
    },
    findings,
    relocator:
      low === undefined || high === undefined || first === undefined || last === undefined
        ? undefined
        : { low, high, first, last, pagesDirtied: pages.size },
  };
}

/**
 * The pcs of the relocator: the store instruction that wrote the most planned words, and the
 * store instructions within RELOCATOR_GAP bytes of it, one after another (a relocator's stores lie
 * in one function; its loops are a few hundred bytes apart at most).
 */
function relocatorCode(storePcs: readonly bigint[]): Set<bigint> {
  const counts = new Map<bigint, number>();
  for (const pc of storePcs) counts.set(pc, (counts.get(pc) ?? 0) + 1);
  let seed: bigint | undefined;
  for (const [pc, count] of counts) if (seed === undefined || count > (counts.get(seed) ?? 0)) seed = pc;
  if (seed === undefined) return new Set();
  const sorted = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let at = sorted.indexOf(seed);
  let lowest = at;
  while (lowest > 0 && (sorted[lowest] as bigint) - (sorted[lowest - 1] as bigint) <= RELOCATOR_GAP) lowest--;
  for (; at + 1 < sorted.length && (sorted[at + 1] as bigint) - (sorted[at] as bigint) <= RELOCATOR_GAP; at++);
  return new Set(sorted.slice(lowest, at + 1));
}
