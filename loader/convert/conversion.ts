import { type ElfFile, hex, type RelocationTable, type TableKind } from '../../elf/index.js';
import { type Plan, SOURCES } from '../model/index.js';
import { type Proof, provePlanned } from './equivalence.js';
import { refuse } from './errors.js';
import { PatchedFile } from './patched-file.js';

/** One relocation table as the dynamic section describes it. */
export interface TableSize {
  readonly kind: TableKind;
  readonly bytes: number;
  readonly entries: number;
}

/** What pack or unpack made of a file, and the proof that it relocates the same. */
export interface Conversion {
  readonly command: 'pack' | 'unpack';
  /** False when there was nothing to convert: the output is then the input's bytes. */
  readonly changed: boolean;
  /** Why nothing was converted, when nothing was. */
  readonly unchangedBecause: string | undefined;
  /** The converted file (or the input's bytes): `toBytes()` in memory, or `writeNew` to a path. */
  readonly output: PatchedFile;
  readonly before: readonly TableSize[];
  readonly after: readonly TableSize[];
  /** The whole file's size in bytes, FILE's and OUT's. */
  readonly fileBytes: { readonly before: number; readonly after: number };
  readonly proof: Proof | undefined;
  /** Facts about the result a user should know (runtimes it no longer suits, choices made). */
  readonly notes: readonly string[];
}

/** Nothing to convert: the output is the input's bytes, and says why. */
export function unchanged(command: Conversion['command'], elf: ElfFile, before: readonly TableSize[], why: string): Conversion {
  return {
    command,
    changed: false,
    unchangedBecause: why,
    output: new PatchedFile(elf, elf.bytes.length),
    before,
    after: before,
    fileBytes: { before: elf.bytes.length, after: elf.bytes.length },
    proof: undefined,
    notes: [],
  };
}

/** A converted file, proved equivalent to the one planned before the conversion. */
export function converted(
  command: Conversion['command'],
  planned: Plan,
  before: readonly TableSize[],
  output: PatchedFile,
  notes: readonly string[],
): Conversion {
  const { proof, planAfter } = provePlanned(planned, output.asElf(), output);
  return {
    command,
    changed: true,
    unchangedBecause: undefined,
    output,
    before,
    after: tableSizes(planAfter.info.tables),
    fileBytes: { before: output.input.bytes.length, after: output.size },
    proof,
    notes,
  };
}

export function tableSizes(tables: readonly RelocationTable[]): TableSize[] {
  return tables.map((table) => ({ kind: table.kind, bytes: Number(table.size), entries: table.count }));
}

export function totalBytes(tables: readonly TableSize[]): number {
  return tables.reduce((sum, table) => sum + table.bytes, 0);
}

/**
 * A relocation into a segment without PF_W works only where a dynamic linker makes the segment
 * writable first (DT_TEXTREL); static-PIE startup code faults on it. Only files whose relocated
 * words all lie in writable segments are converted, where every table kind works alike.
 */
export function refuseTextRelocations(planned: Plan): void {
  const first = planned.textRelocations[0];
  if (first === undefined) return;
  const { writes, layout } = planned;
  const source = SOURCES[writes.sources[first] as number] ?? 'relocation';
  throw refuse(
    'TEXT_RELOCATIONS',
    `Invalid ELF ${source}#${writes.entries[first]} for conversion: it writes the word at ${hex(layout.start + BigInt(writes.targets[first] as number))} ` +
      `in a segment without PF_W (${planned.textRelocations.length} such writes): text relocations are not converted`,
  );
}
