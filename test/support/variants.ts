import { resolve } from 'node:path';

/**
 * Compiler flags for test-only stub variants, each a broken relocator that verification must
 * catch. The headers (test/variants/) redefine the core's hooks; startup/relocate.c knows nothing of them.
 */
const variant = (name: string): string[] => ['-include', resolve('test', 'variants', `${name}.h`)];

/** The seed's RELR defect: bit k of a bitmap relocates where[k] instead of where[k - 1]. */
export const SEED_RELR_FLAGS = variant('seed-relr');
/** A relocator that leaves the whole RELA table alone. */
export const IGNORE_RELA_FLAGS = variant('ignore-rela');
/** A startup that reads a relocated global (`pk_planted_pointer`) before relocating. */
export const READ_EARLY_FLAGS = variant('read-early');
/**
 * A startup that loads a pointer through the GOT before relocating; the linkers' relaxations that
 * would turn the GOT load into an address computation are turned off (lld's --no-relax, and
 * --no-toc-optimize on ppc64, where the GOT is the TOC).
 */
export const GOT_LOAD_FLAGS = [...variant('got-load'), '-Wl,--no-relax'];
export const GOT_LOAD_PPC64_FLAGS = ['-Wl,--no-toc-optimize'];
/** A startup that runs its relocator twice: every planned word stored twice. */
export const RELOCATE_TWICE_FLAGS = variant('relocate-twice');
