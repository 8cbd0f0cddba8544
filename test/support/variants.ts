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
