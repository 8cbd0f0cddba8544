import type { FileContext } from './file-context.js';
import { type Hazard, SEVERITIES } from './hazard.js';
import { entryHazards, relativeCountHazards } from './hazards-entries.js';
import { segmentHazards } from './hazards-segments.js';
import { relrHazards, tableHazards } from './hazards-tables.js';
import { writeHazards } from './hazards-writes.js';
import type { Names } from './names.js';
import type { ModelRun } from './relocator.js';
import type { RuntimeModel } from './runtime-model.js';

/**
 * Every hazard of the file, errors first. `reading` is the spec record run leniently: the words
 * relocation writes as far as the file lets them be read; without it (the PT_LOADs cannot be laid
 * out) the hazards of those words are left out. Entries every model in `judgedBy` (the runtime the
 * file carries) applies are information, not hazards of the file.
 */
export function findHazards(context: FileContext, reading: ModelRun, names: Names, judgedBy: readonly RuntimeModel[] = []): Hazard[] {
  const hazards = [
    ...segmentHazards(context),
    ...tableHazards(context),
    ...relrHazards(context, names),
    ...entryHazards(context, names, judgedBy),
    ...relativeCountHazards(context, names),
    ...(reading.status === 'runs' ? writeHazards(context, reading, names) : []),
  ];
  return hazards.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}
