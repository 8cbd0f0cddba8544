import { dynamicTagNames, hex, type TableTags } from '../../elf/index.js';

/** Every tag of a table kind, for removing the table. */
export function allTags(tags: TableTags): bigint[] {
  return [tags.address, tags.size, tags.entrySize, ...(tags.count === undefined ? [] : [tags.count])];
}

export function tagName(tag: bigint): string {
  return dynamicTagNames.get(tag) ?? hex(tag);
}
