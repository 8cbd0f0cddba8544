import type { FileContext } from './file-context.js';
import { type Hazard, SEVERITIES } from './hazard.js';
import { entryHazards, relativeCountHazards } from './hazards-entries.js';
import { segmentHazards } from './hazards-segments.js';
import { relrHazards, tableHazards } from './hazards-tables.js';
import { writeHazards } from './hazards-writes.js';
import type { Names } from './names.js';
import type { RuntimeModel } from './runtime-model.js';

/**
 * Every hazard of the file, errors first. The words relocation writes are the planner's reading of
 * the file (FileContext.reading); without it (the PT_LOADs cannot be laid out) their hazards are
 * left out. Entries every model in `judgedBy` (the runtime the file carries) applies are
 * information, not hazards of the file.
 */
export function findHazards(context: FileContext, names: Names, judgedBy: readonly RuntimeModel[] = []): Hazard[] {
  const hazards = [
    ...segmentHazards(context),
    ...tableHazards(context),
    ...relrHazards(context, names),
    ...entryHazards(context, names, judgedBy),
    ...relativeCountHazards(context, names),
    ...(context.reading === undefined ? [] : writeHazards(context, context.reading, names)),
  ];
  return hazards.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}
