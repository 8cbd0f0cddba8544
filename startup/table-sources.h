/* Which table a write comes from, in the order startup code applies them.
 * Written by `npm run headers` from SOURCES in loader/model/write-list.ts;
 * each value is declared and explained there: edit that, not this. */
#ifndef PIEKIT_TABLE_SOURCES_H
#define PIEKIT_TABLE_SOURCES_H

#define PK_SOURCE_GOT 0
#define PK_SOURCE_REL 1
#define PK_SOURCE_RELA 2
#define PK_SOURCE_RELR 3

#endif
