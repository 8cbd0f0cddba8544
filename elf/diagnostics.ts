import type { ElfError } from './errors.js';

/**
 * What the reader and the planner do with a defect they find, as Fuchsia's elfldltl diagnostics
 * objects decide it: stop at the first one (the command line, `plan`, `verify`, `pack`), or note
 * it and go on reading as far as the file allows (`audit`, which reports every problem of a file
 * at once). A defect nothing can be read past (no dynamic array, PT_LOADs that cannot be laid out)
 * is thrown under either policy.
 */
export interface Diagnostics {
  /** Notes `error`; returns when the caller is to go on past it, throws it when not. */
  report(error: ElfError): void;
  /** Every error noted so far, first found first. */
  readonly errors: readonly ElfError[];
}

/** Stops at the first error: it is thrown. */
export const stopAtFirstError: Diagnostics = {
  report(error) {
    throw error;
  },
  errors: [],
};

/** Notes every error and goes on. */
export function collectErrors(): Diagnostics {
  const errors: ElfError[] = [];
  return {
    report(error) {
      errors.push(error);
    },
    errors,
  };
}
