import {
  DT_JMPREL,
  DT_MIPS_LOCAL_GOTNO,
  DT_PLTGOT,
  DT_PLTREL,
  DT_PLTRELSZ,
  DT_REL,
  DT_RELA,
  DT_RELACOUNT,
  DT_RELCOUNT,
  type DynamicEntry,
  ElfError,
  hex,
  PT_LOAD,
  TABLE_TAGS,
} from '../../elf/index.js';
import {
  type ImageLayout,
  type LoadSegment,
  ROW_SOURCES,
  SOURCE_GOT,
  SOURCE_JMPREL,
  SOURCE_REL,
  SOURCE_RELA,
  SOURCE_RELR,
  segmentAt,
  TWO_32,
  WriteList,
} from '../model/index.js';
import type { FileContext } from './file-context.js';
import { EntryReader, fileTables, insideOtherTable } from './file-tables.js';
import { loadConflicts } from './load-conflicts.js';
import { ANY_ENTRY, isRelativeBy, type RelativePattern, type RelativeRuns, relativeRunsOf, type Stretches } from './relative-runs.js';
import type { EntryClass } from './relocation-classes.js';
import { type RelrWrites, relrWritesOf } from './relr-writes.js';
import type { EntrySizeRule, Handling, RuntimeModel, Step } from './runtime-model.js';

/** `word += base` */
export const OP_ADD_BASE = 0;
/** `word = base + addend` */
export const OP_SET = 1;
/** `word += base + addend` */
export const OP_ADD_BASE_ADDEND = 2;

/** Where a write came from: `SOURCE_NAMES[source]#entry`, numbered as the plan's rows are. */
export const SOURCE_NAMES = ROW_SOURCES;

/** Entries a relocator did not apply, by what they ask for; `relative` only counts DT_JMPREL ones, which no plan covers. */
export type LeftAlone = Record<EntryClass | 'relative', number>;

export type ModelRun =
  | { readonly status: 'unsupported'; readonly reason: string }
  | { readonly status: 'refuses' | 'undefined'; readonly reason: string }
  | {
      readonly status: 'runs';
      /** Writes in order; `kinds` holds OP_* and `targets` image offsets in the layout. */
      readonly writes: WriteList;
      readonly layout: ImageLayout;
      /** Segments written, by index in the layout. */
      readonly touched: ReadonlySet<number>;
      readonly leftAlone: LeftAlone;
      /** Entries applied with values that depend on symbols or resolvers, by type name. */
      readonly applied: ReadonlyMap<string, number>;
      /** Tables of the file this relocator never reads, named for reports ("no RELR"). */
      readonly ignoredTables: readonly string[];
    };

/** Where the relocator stops: a trap, fault or panic (`refuses`), or undefined behaviour. */
interface Halt {
  readonly status: 'refuses' | 'undefined';
  readonly reason: string;
}

interface Table {
  readonly source: number;
  readonly name: string;
  readonly format: 'rel' | 'rela' | 'relr';
  readonly vaddr: bigint;
  readonly size: bigint;
  readonly stride: number;
  /**
   * The entries as host-order 32-bit words: REL/RELA entries at their own size (packed when the
   * stride is larger), RELR words as they lie.
   */
  readonly words: Uint32Array;
  /** Entries walked. */
  readonly count: number;
}

/**
 * What `model` leaves in memory for this file, as writes, or why it does not start. The writes go
 * to `writes`, emptied first: an audit hands every run the same list, since it is done with one
 * run's writes before the next starts, so that ten runs over a library cost one list.
 */
export function runModel(context: FileContext, model: RuntimeModel, writes: WriteList = new WriteList()): ModelRun {
  const arch = context.arch;
  if (model.architectures !== 'all' && !model.architectures.includes(arch.name)) {
    return { status: 'unsupported', reason: `${model.describes} does not exist for ${arch.name}` };
  }
  const refusal = loadRefusal(context, model);
  if (refusal !== undefined) return refusal;
  if (context.layout instanceof ElfError) {
    return { status: 'undefined', reason: `not modelled: ${context.layout.message} [${context.layout.code}]` };
  }
  writes.count = 0;
  return new Run(context, context.layout, model, writes).execute();
}

/** Limine's program-header refusals (elf64_load, which checks 4 KiB pages); the other relocators run on whatever the kernel mapped. */
function loadRefusal(context: FileContext, model: RuntimeModel): Halt | undefined {
  if (model.loads.overlapping === 'ignored' && model.loads.sharedPages === 'ignored') return undefined;
  for (const conflict of loadConflicts(
    context.elf.programHeaders.filter((header) => header.type === PT_LOAD),
    0x1000n,
    Number.POSITIVE_INFINITY,
  )) {
    const pair = `PT_LOAD ${conflict.first.index} and PT_LOAD ${conflict.second.index}`;
    if (conflict.overlap && model.loads.overlapping === 'refused') return { status: 'refuses', reason: `panics: ${pair} overlap` };
    if (!conflict.overlap && model.loads.sharedPages === 'refused')
      return { status: 'refuses', reason: `panics: ${pair} share a 4 KiB page with different permissions` };
  }
  return undefined;
}

/** One interpretation of a model over one file. */
class Run {
  private readonly touched = new Set<number>();
  /** The segment last added to `touched`: consecutive writes mostly land in one. */
  private lastTouched = -1;
  private readonly leftAlone: LeftAlone = { none: 0, irelative: 0, tls: 0, symbolic: 0, relative: 0 };
  private readonly applied = new Map<string, number>();
  private readonly handlings = new Map<number, { readonly name: string; readonly entryClass: EntryClass; readonly handling: Handling }>();
  private readonly walked: { kind: 'rel' | 'rela' | 'jmprel'; vaddr: bigint; size: bigint }[] = [];
  private readonly w: 4 | 8;
  private readonly values = new Map<bigint, bigint>();
  private readonly seen = new Set<bigint>();
  private readonly startLow: number;
  private readonly startHigh: number;
  private cached: LoadSegment;
  private cachedIndex = 0;
  private halted: Halt | undefined;
  /** The stretches applyWithinSegment asked for last: asked again for every entry that is not relative. */
  private stretches:
    | { readonly runs: RelativeRuns; readonly pattern: RelativePattern; readonly segment: LoadSegment; readonly found: Stretches }
    | undefined;

  constructor(
    private readonly context: FileContext,
    private readonly layout: ImageLayout,
    private readonly model: RuntimeModel,
    private readonly writes: WriteList,
  ) {
    this.w = context.elf.reader.wordSize;
    this.startLow = Number(layout.start & 0xffffffffn);
    this.startHigh = Number((layout.start >> 32n) & 0xffffffffn);
    this.cached = layout.segments[0] as LoadSegment;
  }

  execute(): ModelRun {
    this.readTags();
    for (const step of this.model.steps) {
      if (this.halted !== undefined) break;
      this.step(step);
    }
    if (this.halted !== undefined) return this.halted;
    const ignoredTables = this.countUnwalkedTables();
    return {
      status: 'runs',
      writes: this.writes,
      layout: this.layout,
      touched: this.touched,
      leftAlone: this.leftAlone,
      applied: this.applied,
      ignoredTables,
    };
  }

  /**
   * Stops the run: the relocator traps, faults or panics (`refuses`), or its behaviour is undefined.
   * The caller returns at once, and so does every loop and step above it once `halted` is set.
   */
  private stop(status: 'refuses' | 'undefined', reason: string): undefined {
    this.halted = { status, reason };
    return undefined;
  }

  // ----- dynamic tags

  private dynamicEntries(): readonly DynamicEntry[] {
    return this.model.dynamic.at === 'p_offset' ? this.context.dynamicInFile() : this.context.dynamic;
  }

  private readTags(): void {
    const { arrayBelow, tags, alsoReads } = this.model.dynamic;
    const bits = this.w * 8;
    for (const entry of this.dynamicEntries()) {
      if (entry.tag === 0n) break;
      if (arrayBelow === undefined) {
        this.keep(entry.tag, entry.value);
        continue;
      }
      if (tags === 'signed' && entry.tag < 0n) {
        this.stop(
          'undefined',
          `d_tag ${entry.tag} (entry ${entry.index}) compares below DT_NUM as a signed number and indexes the tag array out of bounds`,
        );
        return;
      }
      const unsigned = BigInt.asUintN(bits, entry.tag);
      if (unsigned < BigInt(arrayBelow) || alsoReads.includes(entry.tag)) this.keep(unsigned, entry.value);
    }
  }

  private keep(tag: bigint, value: bigint): void {
    this.values.set(tag, value);
    this.seen.add(tag);
  }

  private value(tag: bigint): bigint {
    return this.values.get(tag) ?? 0n;
  }

  private localGotCount(): bigint {
    const { arrayBelow, alsoReads } = this.model.dynamic;
    if (arrayBelow !== undefined && !alsoReads.includes(DT_MIPS_LOCAL_GOTNO)) return 0n;
    let count: bigint | undefined;
    for (const entry of this.dynamicEntries()) {
      if (entry.tag === 0n) break;
      if (entry.tag !== DT_MIPS_LOCAL_GOTNO) continue;
      if (count !== undefined && this.model.localGotCount === 'first') break;
      count = entry.value;
    }
    return count ?? 0n;
  }

  // ----- steps

  private step(step: Step): void {
    switch (step) {
      case 'got':
        this.localGot();
        break;
      case 'rel':
      case 'rela':
        this.table(step, 'first');
        break;
      case 'rel:rest':
        this.table('rel', 'rest');
        break;
      case 'rela:rest':
        this.table('rela', 'rest');
        break;
      case 'relr':
        this.relr();
        break;
      case 'jmprel':
        this.jmprel(undefined);
        break;
      case 'jmprel:rel':
        this.jmprel('rel');
        break;
      case 'jmprel:rela':
        this.jmprel('rela');
        break;
    }
  }

  private localGot(): void {
    if (!this.context.arch.localGot) return;
    const count = this.localGotCount();
    const got = this.value(DT_PLTGOT);
    const size = BigInt(this.w);
    for (let index = 0n; index < count; index++) {
      const address = BigInt.asUintN(this.w * 8, got + index * size);
      if (!this.write(address, OP_ADD_BASE, 0n, SOURCE_GOT, Number(index))) return;
    }
  }

  /** The table `kind` as this model finds it, or undefined when it does not walk one. */
  private findTable(kind: 'rel' | 'rela' | 'relr'): Table | undefined {
    if (kind !== 'relr' && this.model.unwalked?.[kind]?.includes(this.context.arch.name) === true) return undefined;
    const tags = TABLE_TAGS[kind];
    const [addressName, sizeName, entryName] = tags.names;
    const hasAddress = this.seen.has(tags.address);
    const hasSize = this.seen.has(tags.size);
    const address = this.value(tags.address);
    const size = this.value(tags.size);
    const present = this.model.tablePresent === 'address' ? address !== 0n : this.model.tablePresent === 'tag' ? hasAddress : size !== 0n;
    if (this.model.pairs.sizeWithoutAddress === 'refused' && hasSize && !hasAddress) {
      return this.stop('refuses', `refuses ${sizeName} without ${addressName}`);
    }
    if (!present) return undefined;
    if (this.model.pairs.addressWithoutSize === 'refused' && !hasSize) {
      return this.stop('refuses', `${addressName} without ${sizeName}: a null dereference`);
    }
    if (this.model.tablePresent === 'size' && !hasAddress && this.model.absentAddress === 'null') {
      return this.stop('refuses', `faults: ${sizeName} = ${size} without ${addressName} reads entries at the null pointer`);
    }
    const stride = this.stride(kind, tags.words * this.w, entryName);
    if (stride === undefined) return undefined;
    return this.readTable(kind === 'rel' ? SOURCE_REL : kind === 'rela' ? SOURCE_RELA : SOURCE_RELR, kind.toUpperCase(), kind, address, size, stride);
  }

  /** The entry size the model walks with, after its DT_*ENT check (undefined where the check stops it). */
  private stride(kind: 'rel' | 'rela' | 'relr', entrySize: number, entryName: string): number | undefined {
    const rule: EntrySizeRule = this.model.entrySizes[kind];
    const tags = TABLE_TAGS[kind];
    const declared = this.seen.has(tags.entrySize) ? this.value(tags.entrySize) : undefined;
    const wanted = BigInt(entrySize);
    if (rule === 'equal-if-present' && declared !== undefined && declared !== wanted) {
      return this.stop('refuses', `stops: ${entryName} = ${declared}, ELF${this.w * 8} entries are ${entrySize} bytes`);
    } else if (rule === 'required' && declared === undefined) {
      return this.stop('refuses', `stops: no ${entryName}, which it requires`);
    } else if (rule === 'required' && declared !== wanted) {
      return this.stop('refuses', `stops: ${entryName} = ${declared}, it requires ${entrySize}`);
    } else if (rule === 'at-least' && (declared === undefined || declared < wanted)) {
      return this.stop('refuses', `stops: ${entryName} = ${declared ?? 'absent'}, it requires at least ${entrySize}`);
    } else if (rule === 'at-least' && declared !== undefined && declared > wanted) {
      // Walked with the declared stride; a stride beyond any sane entry is a fault soon enough.
      return declared > 0x10000n ? 0x10000 : Number(declared);
    }
    return entrySize;
  }

  private readTable(source: number, name: string, format: 'rel' | 'rela' | 'relr', vaddr: bigint, size: bigint, stride: number): Table | undefined {
    const where = `${name} table (${hex(vaddr)}, ${size} bytes)`;
    if (this.model.tableAlignment === 'refused' && (vaddr % BigInt(this.w) !== 0n || size % BigInt(stride) !== 0n)) {
      return this.stop('refuses', `refuses the misaligned ${where}`);
    }
    const count = size / BigInt(stride);
    if (size % BigInt(stride) !== 0n) {
      const partial = `the ${where} ends in a partial ${stride}-byte entry`;
      switch (this.model.tableSize) {
        case 'refused':
          return this.stop('refuses', `refuses ${partial}`);
        case 'runaway':
          return this.stop('refuses', `faults: ${partial}, so its loop never reaches the end`);
        case 'overrun':
          return this.stop('undefined', `${partial}, read past the table`);
        case 'floor':
          break;
      }
    }
    if (count * BigInt(stride) > this.context.loaded.mappedFrom(vaddr))
      return this.stop('refuses', `faults: the ${where} runs past the memory mapped for it`);
    const bytes = this.context.loaded.read(vaddr, count * BigInt(stride));
    const whole = Math.floor(bytes.length / stride);
    if (BigInt(whole) < count) return this.stop('refuses', `faults: the ${where} is not in the file`);
    const entrySize = TABLE_TAGS[format].words * this.w;
    let entries = bytes;
    if (format !== 'relr' && stride !== entrySize) {
      entries = new Uint8Array(whole * entrySize);
      for (let index = 0; index < whole; index++) entries.set(bytes.subarray(index * stride, index * stride + entrySize), index * entrySize);
    }
    return { source, name, format, vaddr, size, stride, words: this.context.words(entries), count: whole };
  }

  /** A REL or RELA table: `first` is the whole table, or with split counts its counted head; `rest` the remainder. */
  private table(kind: 'rel' | 'rela', part: 'first' | 'rest'): void {
    const table = this.findTable(kind);
    if (table === undefined) return;
    const countTag = kind === 'rel' ? DT_RELCOUNT : DT_RELACOUNT;
    const counted = this.model.counts === 'ignored' ? 0n : this.value(countTag);
    if (counted > BigInt(table.count)) {
      const message = `${kind === 'rel' ? 'DT_RELCOUNT' : 'DT_RELACOUNT'} = ${counted} exceeds the ${table.count} entries of the ${table.name} table`;
      if (this.model.counts === 'split') this.stop('refuses', `refuses ${message}`);
      else this.stop('undefined', `${message}: entries past the table are applied as relative`);
      return;
    }
    const head = Number(counted < BigInt(table.count) ? counted : BigInt(table.count));
    if (part === 'first') this.walked.push({ kind, vaddr: table.vaddr, size: table.size });
    if (this.model.counts === 'split') {
      if (part === 'first') this.applyEntries(table, 0, head, 'relative');
      else this.applyEntries(table, head, table.count, 'by-type');
      return;
    }
    if (part === 'rest') return;
    this.applyEntries(table, 0, head, 'relative');
    if (this.halted === undefined) this.applyEntries(table, head, table.count, 'by-type');
  }

  private jmprel(only: 'rel' | 'rela' | undefined): void {
    const size = this.value(DT_PLTRELSZ);
    const present = this.model.tablePresent === 'size' ? size !== 0n : this.seen.has(DT_JMPREL) && this.value(DT_JMPREL) !== 0n;
    if (!present) return;
    const pltrel = this.value(DT_PLTREL);
    const format = pltrel === DT_REL ? 'rel' : pltrel === DT_RELA ? 'rela' : undefined;
    const accepted = this.model.jmprelFormats ?? ['rel', 'rela'];
    if (format === undefined || !accepted.includes(format)) {
      this.stop('refuses', `refuses DT_PLTREL = ${pltrel} for DT_JMPREL`);
      return;
    }
    if (only !== undefined && format !== only) return;
    const tags = TABLE_TAGS[format];
    // glibc asserts DT_RELAENT (DT_RELENT) only when DT_RELA (DT_REL) is there (elf/get-dynamic-info.h):
    // a packed glibc static-PIE whose DT_JMPREL is its only RELA table runs without it.
    const checked = this.model.entrySizes[format] !== 'required' || this.seen.has(tags.address);
    const stride = checked ? this.stride(format, tags.words * this.w, tags.names[2]) : tags.words * this.w;
    if (stride === undefined) return;
    const table = this.readTable(SOURCE_JMPREL, 'JMPREL', format, this.value(DT_JMPREL), size, stride);
    if (table === undefined) return;
    this.walked.push({ kind: 'jmprel', vaddr: table.vaddr, size: table.size });
    this.applyEntries(table, 0, table.count, 'by-type');
  }

  /** Applies entries [from, to) of a REL/RELA table: all as relative, or each by its type. */
  private applyEntries(table: Table, from: number, to: number, mode: 'relative' | 'by-type'): void {
    const { words, stride } = table;
    const w = this.w;
    // Word indexes of a field's halves, and the words of a field and of an entry.
    const low = this.context.elf.reader.lowAt >>> 2;
    const high = this.context.elf.reader.highAt >>> 2;
    const field = w >>> 2;
    const perEntry = (table.format === 'rela' ? 3 : 2) * field;
    const isRela = table.format === 'rela';
    const op = !isRela
      ? OP_ADD_BASE
      : this.model.rela === 'add'
        ? OP_ADD_BASE_ADDEND
        : this.model.rela === 'arch' && this.context.arch.relaAddsToWord
          ? OP_ADD_BASE
          : OP_SET;
    const overlaps = table.source === SOURCE_JMPREL ? this.walked.filter((range) => range.kind !== 'jmprel') : [];
    const { decode, typeFor } = this.model.relative;
    // The psABI's decoding, or the generic ELF32_R_TYPE/ELF64_R_TYPE against the relative type.
    const pattern: RelativePattern =
      mode === 'relative'
        ? ANY_ENTRY
        : decode === 'arch'
          ? this.context.decoder.relative
          : { lowMask: w === 4 ? 0xff : 0xffffffff, low: typeFor?.[this.context.arch.name] ?? this.context.arch.relativeType, highMask: 0, high: 0 };
    const runs = relativeRunsOf({ words, count: table.count, perEntry, low, high, field, isRela }, this.startLow, this.startHigh);
    this.writes.reserve(to - from);
    for (let index = from; index < to; index++) {
      if (overlaps.length > 0) {
        const entryAddress = table.vaddr + BigInt(index * stride);
        if (overlaps.some((range) => entryAddress >= range.vaddr && entryAddress < range.vaddr + range.size)) continue;
      } else {
        index = this.applyWithinSegment(runs, pattern, index, to, op, table.source);
        if (index === to) return;
        const passed = this.passNonRelative(runs, pattern, table, index, to);
        if (this.halted !== undefined) return;
        if (passed > index) {
          index = passed - 1;
          continue;
        }
      }
      const at = index * perEntry;
      const offsetLow = words[at + low] as number;
      const offsetHigh = w === 8 ? (words[at + high] as number) : 0;
      const infoLow = words[at + field + low] as number;
      const infoHigh = w === 8 ? (words[at + field + high] as number) : 0;
      if (isRelativeBy(pattern, infoLow, infoHigh)) {
        const addendLow = isRela ? (words[at + 2 * field + low] as number) : 0;
        const addendHigh = isRela && w === 8 ? (words[at + 2 * field + high] as number) : 0;
        if (!this.push(offsetLow, offsetHigh, op, addendLow, addendHigh, table.source, index) && this.halted !== undefined) return;
        continue;
      }
      this.nonRelative(table, index, infoLow, infoHigh);
      if (this.halted !== undefined) return;
    }
  }

  /**
   * Applies entries from `from` on for as long as each is relative and writes the segment the
   * last write went to, which the model lets it write; returns the first entry it leaves to the
   * caller. The common case, apart from push's checks: the stretch is found once for every model
   * (relative-runs.ts) and copied as columns.
   */
  private applyWithinSegment(runs: RelativeRuns, pattern: RelativePattern, from: number, to: number, op: number, source: number): number {
    const segment = this.cached;
    if (!segment.writable && this.model.textRelocations === 'fault') return from;
    let stretches = this.stretches;
    if (stretches?.runs !== runs || stretches.pattern !== pattern || stretches.segment !== segment) {
      const found = runs.stretches(pattern, segment.offset, segment.offset + segment.memorySize - this.w);
      stretches = this.stretches = { runs, pattern, segment, found };
    }
    const end = stretches.found.end(from, to);
    if (end === from) return from;
    runs.copy(this.writes, from, end, op, source);
    if (this.cachedIndex !== this.lastTouched) {
      this.touched.add(this.cachedIndex);
      this.lastTouched = this.cachedIndex;
    }
    return end;
  }

  /**
   * Handles the entries from `from` on that the model does not call relative, up to the first it
   * does, as `nonRelative` handles each: by their types, counted once for every model
   * (relative-runs.ts). Returns where they end; `from` where the entry is relative, or where they
   * run past `to` and are left to the caller one by one.
   */
  private passNonRelative(runs: RelativeRuns, pattern: RelativePattern, table: Table, from: number, to: number): number {
    const stretch = runs.nonRelative(pattern, this.context.decoder, from);
    if (stretch.end === from || stretch.end > to) return from;
    // The first entry of a type it stops at stops it; what it counted before is not reported.
    let stopAt: { readonly index: number; readonly name: string } | undefined;
    for (const { type, first } of stretch.types) {
      const { name, handling } = this.handlingOf(type);
      if (handling === 'trap' && (stopAt === undefined || first < stopAt.index)) stopAt = { index: first, name };
    }
    if (stopAt !== undefined) {
      this.stop('refuses', `stops at ${table.name.toLowerCase()}#${stopAt.index}: ${stopAt.name}`);
      return from;
    }
    if (table.source === SOURCE_JMPREL) this.leftAlone.relative += stretch.relative;
    for (const { type, count } of stretch.types) {
      const { name, entryClass, handling } = this.handlingOf(type);
      if (handling === 'left') this.leftAlone[entryClass] += count;
      else if (handling === 'applied') this.applied.set(name, (this.applied.get(name) ?? 0) + count);
    }
    return stretch.end;
  }

  private nonRelative(table: Table, index: number, infoLow: number, infoHigh: number): void {
    // An entry the psABI calls relative that this relocator does not recognise is simply missed:
    // the memory comparison shows the word it leaves.
    if (this.context.decoder.isRelative(infoLow, infoHigh)) {
      if (table.source === SOURCE_JMPREL) this.leftAlone.relative++;
      return;
    }
    const { name, entryClass, handling } = this.handlingOf(this.context.decoder.type(infoLow, infoHigh));
    switch (handling) {
      case 'ignored':
        return;
      case 'left':
        this.leftAlone[entryClass]++;
        return;
      case 'applied':
        this.applied.set(name, (this.applied.get(name) ?? 0) + 1);
        return;
      case 'trap':
        this.stop('refuses', `stops at ${table.name.toLowerCase()}#${index}: ${name}`);
    }
  }

  /** What this relocator does with a type, decided once per type: a library has tens of thousands of such entries. */
  private handlingOf(type: number): { readonly name: string; readonly entryClass: EntryClass; readonly handling: Handling } {
    let known = this.handlings.get(type);
    if (known === undefined) {
      const { name, entryClass } = this.context.classifier.of(type);
      let handling: Handling = this.model.nonRelative[entryClass];
      const unknown = name.startsWith('unknown');
      if (handling === 'applied' && (unknown || (entryClass === 'symbolic' && !this.acceptsSymbolic(name)))) handling = 'trap';
      known = { name, entryClass, handling };
      this.handlings.set(type, known);
    }
    return known;
  }

  private acceptsSymbolic(name: string): boolean {
    const listed = this.model.symbolicTypes;
    return listed === undefined || (listed[this.context.arch.name] ?? []).includes(name);
  }

  private relr(): void {
    if (this.model.relr === 'none') return;
    const table = this.findTable('relr');
    if (table === undefined || table.count === 0) return;
    const reader = this.context.elf.reader;
    const fields = { words: table.words, count: table.count, low: reader.lowAt >>> 2, high: reader.highAt >>> 2, field: this.w >>> 2 };
    // `seed` relocates where[k] for bit k: the same walk started one word later.
    const decoded = relrWritesOf({ ...fields, shift: this.model.relr === 'seed' ? this.w : 0 }, this.layout);
    // Entries before the first address are bitmaps: the first one meets the model's rule for them.
    if (decoded.leadingBitmap) this.leadingBitmap(0);
    if (this.halted !== undefined) return;
    this.writes.reserve(decoded.count);
    for (let i = 0; i < decoded.count; i++) {
      i = this.relrWithinSegment(decoded, i);
      if (i === decoded.count) return;
      const placed = this.push(decoded.addressLow(i), decoded.addressHigh(i), OP_ADD_BASE, 0, 0, SOURCE_RELR, decoded.entry(i));
      if (!placed && this.halted !== undefined) return;
    }
  }

  /**
   * Applies the decoded RELR writes from `from` on for as long as each lands in the segment the
   * last write went to, which the model lets it write; returns the first it leaves to the caller.
   */
  private relrWithinSegment(decoded: RelrWrites, from: number): number {
    const segment = this.cached;
    if (!segment.writable && this.model.textRelocations === 'fault') return from;
    if (decoded.segmentOf(from) !== this.cachedIndex) return from;
    const end = decoded.stretchEnd(from);
    decoded.copy(this.writes, from, end, OP_ADD_BASE, SOURCE_RELR);
    if (this.cachedIndex !== this.lastTouched) {
      this.touched.add(this.cachedIndex);
      this.lastTouched = this.cachedIndex;
    }
    return end;
  }

  private leadingBitmap(entry: number): void {
    switch (this.model.leadingBitmap) {
      case 'from-zero':
        break;
      case 'faults':
        this.stop('refuses', `faults: RELR entry ${entry} is a bitmap before any address, applied from the null pointer`);
        break;
      case 'undefined':
        this.stop('undefined', `RELR entry ${entry} is a bitmap before any address: it writes through an uninitialised pointer`);
        break;
      case 'rejected':
        this.stop('refuses', `refuses a RELR table whose entry ${entry} is a bitmap before any address`);
        break;
    }
  }

  // ----- writes

  private write(address: bigint, op: number, addend: bigint, source: number, entry: number): boolean {
    const a = BigInt.asUintN(64, addend);
    return this.push(Number(address & 0xffffffffn), Number(address >> 32n), op, Number(a & 0xffffffffn), Number(a >> 32n), source, entry);
  }

  /** Places one write at a link-time address given as halves; false when it was dropped or the run stopped there. */
  private push(low: number, high: number, op: number, addendLow: number, addendHigh: number, source: number, entry: number): boolean {
    let offset = low - this.startLow;
    let borrow = 0;
    if (offset < 0) {
      offset += TWO_32;
      borrow = 1;
    }
    const w = this.w;
    let segment = this.cached;
    const inLayout = high - this.startHigh - borrow === 0;
    if (!inLayout || offset < segment.offset || offset + w > segment.offset + segment.memorySize) {
      const found = inLayout ? segmentAt(this.layout, offset, w) : undefined;
      if (found === undefined) return this.outside(low, high, source, entry);
      segment = this.cached = found;
      this.cachedIndex = this.layout.segments.indexOf(found);
    }
    if (!segment.writable && this.model.textRelocations === 'fault') {
      this.stop(
        'refuses',
        `faults: ${SOURCE_NAMES[source]}#${entry} writes ${hex((BigInt(high) << 32n) | BigInt(low))} in read-only PT_LOAD ${segment.header.index}`,
      );
      return false;
    }
    if (this.cachedIndex !== this.lastTouched) {
      this.touched.add(this.cachedIndex);
      this.lastTouched = this.cachedIndex;
    }
    this.writes.push(offset, op, addendLow, addendHigh, source, entry);
    return true;
  }

  private outside(low: number, high: number, source: number, entry: number): false {
    if (this.model.outsideSegments === 'skipped') return false;
    const address = (BigInt(high) << 32n) | BigInt(low);
    this.stop('refuses', `faults: ${SOURCE_NAMES[source]}#${entry} writes ${hex(address)}, outside every PT_LOAD`);
    return false;
  }

  // ----- tables the model never reads

  /** Counts the entries of REL, RELA and JMPREL tables this model never walked, and names those tables. */
  private countUnwalkedTables(): string[] {
    const names: string[] = [];
    const walkedKinds = new Set(this.walked.map((range) => range.kind));
    const tables = fileTables(this.context);
    for (const table of tables) {
      if (table.kind === 'relr') {
        if (this.model.relr === 'none' || !this.model.steps.includes('relr')) names.push('RELR');
        continue;
      }
      if (walkedKinds.has(table.kind)) continue;
      names.push(`DT_${table.kind.toUpperCase()}`);
      const entries = new EntryReader(this.context, table);
      for (let index = 0; index < entries.count; index++) {
        if (insideOtherTable(tables, table, index)) continue;
        if (entries.isRelative(index)) {
          if (table.kind === 'jmprel') this.leftAlone.relative++;
          continue;
        }
        const low = entries.infoLow(index);
        const high = entries.infoHigh(index);
        const { name, entryClass } = this.context.classifier.of(this.context.decoder.type(low, high));
        if (entryClass === 'irelative' && this.model.resolvesIrelativeOfEveryTable === true)
          this.applied.set(name, (this.applied.get(name) ?? 0) + 1);
        else if (entryClass !== 'none') this.leftAlone[entryClass]++;
      }
    }
    return names;
  }
}
