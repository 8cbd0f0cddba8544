import { DT_JMPREL, DT_PLTRELSZ, hex, TABLE_TAGS } from '../../elf/index.js';
import type { Plan } from '../model/index.js';

/** The tags that name relocation tables or their sizes. */
const TABLE_TAG_NAMES: ReadonlyMap<bigint, string> = new Map([
  ...Object.values(TABLE_TAGS).flatMap((tags) => [[tags.address, tags.names[0]] as const, [tags.size, tags.names[1]] as const]),
  [DT_JMPREL, 'DT_JMPREL'],
  [DT_PLTRELSZ, 'DT_PLTRELSZ'],
]);

/**
 * Why a run that compared no word is not verified: the plan is empty and, when the dynamic section
 * still names relocation tables or sizes, which ones (a table whose address tag is lost or renamed
 * leaves its size behind, and the program then runs unrelocated).
 */
export function nothingComparedReason(plan: Plan): string {
  const bits = plan.layout.wordSize * 8;
  const named = plan.info.dynamic.entries
    .map((entry) => ({ name: TABLE_TAG_NAMES.get(BigInt.asUintN(bits, entry.tag)), value: entry.value }))
    .filter((entry) => entry.name !== undefined && entry.value !== 0n)
    .map((entry) => `${entry.name} = ${hex(entry.value)}`);
  if (named.length === 0) return 'nothing compared: the file has no relocation piekit can check, so nothing is verified';
  return `nothing compared: the plan is empty, yet the dynamic section has ${named.join(', ')}`;
}
