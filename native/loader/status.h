/* The userland loader's exit statuses: each failure class has its own.
 * Written by `npm run headers` from LOADER_STATUS in loader/userland/statuses.ts;
 * each value is declared and explained there: edit that, not this. */
#ifndef PIEKIT_LOADER_STATUS_H
#define PIEKIT_LOADER_STATUS_H

#define LOADER_USAGE 100
#define LOADER_CANNOT_READ 101
#define LOADER_NOT_ELF 102
#define LOADER_NOT_PIE 103
#define LOADER_WRONG_MACHINE 104
#define LOADER_BAD_SEGMENTS 105
#define LOADER_BAD_BASE 106
#define LOADER_BASE_TAKEN 107
#define LOADER_NO_MEMORY 108

#endif
