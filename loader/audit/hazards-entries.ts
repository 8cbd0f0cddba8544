import { type ArchName, DT_RELACOUNT, DT_RELCOUNT, hex } from '../../elf/index.js';
import { count } from '../wording.js';
import type { FileContext } from './file-context.js';
import { EntryReader, type FileTable, fileTables, insideOtherTable, sortedTags } from './file-tables.js';
import { type Hazard, HazardItems, type Severity } from './hazard.js';
import type { Names } from './names.js';
import { ENTRY_CLASSES, type EntryClass } from './relocation-classes.js';
import type { Handling, RuntimeModel } from './runtime-model.js';
import { RUNTIMES } from './runtimes.js';

const SEVERITY: Readonly<Record<EntryClass, Severity>> = { symbolic: 'error', tls: 'error', irelative: 'warning', none: 'info' };

const WHAT: Readonly<Record<EntryClass, string>> = {
  symbolic: 'symbolic entries: each word keeps its link-time value unless the runtime resolves the symbol',
  tls: 'TLS entries: the words need the libc\u2019s thread-local storage layout',
  irelative: 'IRELATIVE entries: each word needs its resolver called (glibc calls them while it relocates a static PIE)',
  none: 'R_*_NONE entries: they ask for nothing',
};

/**
 * Non-relative REL, RELA and DT_JMPREL entries, one hazard per class (relocation-classes.ts), naming
 * for each class which runtime models apply, leave or stop at such entries on this architecture.
 */
export function entryHazards(context: FileContext, names: Names, judgedBy: readonly RuntimeModel[] = []): Hazard[] {
  const tables = fileTables(context);
  const byClass = new Map<EntryClass, { items: HazardItems; types: Map<string, number>; tables: Set<FileTable['kind']> }>();
  for (const table of tables) {
    if (table.format === 'relr') continue;
    const entries = new EntryReader(context, table);
    for (let index = entries.nextOther(0); index >= 0; index = entries.nextOther(index + 1)) {
      if (insideOtherTable(tables, table, index)) continue;
      const low = entries.infoLow(index);
      const high = entries.infoHigh(index);
      const { name, entryClass } = context.classifier.of(context.decoder.type(low, high));
      let group = byClass.get(entryClass);
      if (group === undefined) {
        group = { items: new HazardItems(), types: new Map(), tables: new Set() };
        byClass.set(entryClass, group);
      }
      group.types.set(name, (group.types.get(name) ?? 0) + 1);
      group.tables.add(table.kind);
      group.items.add(() => ({
        entry: `${table.kind}#${index}`,
        address: hex(entries.offset(index)),
        symbol: names.symbol(context.decoder.symbol(low, high)) || names.where(entries.offset(index)),
      }));
    }
  }
  const hazards: Hazard[] = [];
  for (const entryClass of ENTRY_CLASSES) {
    const group = byClass.get(entryClass);
    if (group === undefined) continue;
    const types = [...group.types].map(([name, n]) => `${name} \u00d7${count(n)}`).join(', ');
    const applied =
      judgedBy.length > 0 &&
      judgedBy.every(
        (model) => model.nonRelative[entryClass] === 'applied' && [...group.tables].some((kind) => readsTable(model, kind, context.arch.name)),
      );
    const message = `${count(group.items.count)} ${WHAT[entryClass]} (${types}); ${handlers(context, entryClass, group.tables)}${applied ? `; the runtime the file carries (${judgedBy.map((model) => model.name).join(', ')}) applies them` : ''}`;
    hazards.push(group.items.hazard(`entries-${entryClass}`, applied ? 'info' : SEVERITY[entryClass], message));
  }
  return hazards;
}

/**
 * "applied by glibc-2.36; left alone by spec, musl-1.2.4; stops origin", over the models that exist
 * for this architecture. A model that never reads the tables holding these entries leaves them.
 */
function handlers(context: FileContext, entryClass: EntryClass, tables: ReadonlySet<FileTable['kind']>): string {
  const groups = new Map<Handling, string[]>();
  for (const model of RUNTIMES) {
    if (model.architectures !== 'all' && !model.architectures.includes(context.arch.name)) continue;
    const reads = [...tables].some((kind) => readsTable(model, kind, context.arch.name));
    const handling = reads ? model.nonRelative[entryClass] : 'left';
    groups.set(handling, [...(groups.get(handling) ?? []), model.name]);
  }
  const label: Record<Handling, string> = { applied: 'applied by', left: 'left alone by', ignored: 'ignored by', trap: 'stops' };
  return (['applied', 'left', 'ignored', 'trap'] as const)
    .filter((handling) => groups.has(handling))
    .map((handling) => `${label[handling]} ${(groups.get(handling) ?? []).join(', ')}`)
    .join('; ');
}

/**
 * DT_RELCOUNT/DT_RELACOUNT larger than the run of relative entries at the start of the table:
 * glibc (elf/do-rel.h) applies that many entries as relative without looking at their type, and
 * elfldltl does the same in its relative pass.
 */
export function relativeCountHazards(context: FileContext, names: Names): Hazard[] {
  const tags = sortedTags(context.dynamic, context.elf.reader.wordSize);
  const hazards: Hazard[] = [];
  for (const [kind, tag, tagName] of [
    ['rel', DT_RELCOUNT, 'DT_RELCOUNT'],
    ['rela', DT_RELACOUNT, 'DT_RELACOUNT'],
  ] as const) {
    const declared = tags.get(tag);
    const table = fileTables(context).find((candidate: FileTable) => candidate.kind === kind);
    if (declared === undefined || table === undefined) continue;
    const items = new HazardItems();
    const entries = new EntryReader(context, table);
    const counted = declared < BigInt(entries.count) ? Number(declared) : entries.count;
    // Relative entries before the first that is not.
    let leading = counted;
    for (let index = entries.nextOther(0); index >= 0 && index < counted; index = entries.nextOther(index + 1)) {
      if (items.count === 0) leading = index;
      items.add(() => ({ entry: `${kind}#${index}`, address: hex(entries.offset(index)), symbol: names.where(entries.offset(index)) }));
    }
    if (declared > BigInt(table.count)) {
      hazards.push(
        items.hazard(
          'relative-count',
          'error',
          `${tagName} = ${declared} exceeds the ${count(table.count)} entries of the table: glibc applies entries past its end as relative`,
        ),
      );
    } else if (items.count > 0) {
      const message = `${tagName} = ${declared} but entry ${leading} is not relative: glibc and elfldltl apply the first ${declared} entries as relative without looking at their type (${count(items.count)} are not)`;
      hazards.push(items.hazard('relative-count', 'error', message));
    }
  }
  return hazards;
}

/** Whether a model's steps walk REL, RELA or DT_JMPREL entries on this architecture. */
function readsTable(model: RuntimeModel, kind: FileTable['kind'], arch: ArchName): boolean {
  if (kind === 'jmprel') return model.steps.some((step) => step.startsWith('jmprel'));
  if (kind === 'relr') return false;
  return model.steps.includes(kind) && model.unwalked?.[kind]?.includes(arch) !== true;
}
