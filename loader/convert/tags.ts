import {
  DT_REL,
  DT_RELA,
  DT_RELAENT,
  DT_RELASZ,
  DT_RELENT,
  DT_RELR,
  DT_RELRENT,
  DT_RELRSZ,
  DT_RELSZ,
  dynamicTagNames,
  hex,
} from '../../elf/index.js';

/** GNU extensions: how many entries at the start of the REL/RELA table are relative (glibc reads them blindly as such). */
const DT_RELACOUNT = 0x6ffffff9n;
const DT_RELCOUNT = 0x6ffffffan;

/** The dynamic tags that describe one table kind. */
export interface TableTags {
  readonly address: bigint;
  readonly size: bigint;
  readonly entrySize: bigint;
  /** DT_RELCOUNT/DT_RELACOUNT; RELR has none. */
  readonly count: bigint | undefined;
}

export const TABLE_TAGS = {
  rel: { address: DT_REL, size: DT_RELSZ, entrySize: DT_RELENT, count: DT_RELCOUNT },
  rela: { address: DT_RELA, size: DT_RELASZ, entrySize: DT_RELAENT, count: DT_RELACOUNT },
  relr: { address: DT_RELR, size: DT_RELRSZ, entrySize: DT_RELRENT, count: undefined },
} as const satisfies Record<'rel' | 'rela' | 'relr', TableTags>;

/** Every tag of a table kind, for removing the table. */
export function allTags(tags: TableTags): bigint[] {
  return [tags.address, tags.size, tags.entrySize, ...(tags.count === undefined ? [] : [tags.count])];
}

export function tagName(tag: bigint): string {
  return dynamicTagNames.get(tag) ?? hex(tag);
}
