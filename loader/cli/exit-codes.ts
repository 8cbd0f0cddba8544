import { ElfError } from '../../elf/index.js';
import { PiekitError, type PiekitErrorCode } from '../errors.js';
import { GdbRemoteError } from '../verify/gdbstub/replies.js';

/** Exit statuses of the command line; each failure class has its own. */
export const EXIT_OK = 0;
/** verify found a difference, audit found a runtime that breaks or a hazard of severity error. */
export const EXIT_DIFFERENCE = 1;
/** Invalid input, or something the machine lacks to do the job (named on the line). */
export const EXIT_INVALID_INPUT = 2;
export const EXIT_USAGE = 64;
/** A defect of piekit itself (sysexits' EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/** The status of each refusal that is not the ELF file's (every ElfError is invalid input). */
const PIEKIT_ERROR_STATUS: Readonly<Record<PiekitErrorCode, number>> = {
  USAGE: EXIT_USAGE,
  BAD_PATH: EXIT_INVALID_INPUT,
  ENVIRONMENT: EXIT_INVALID_INPUT,
  BUILD_FAILED: EXIT_INVALID_INPUT,
  UNVERIFIABLE: EXIT_INVALID_INPUT,
  LOADER_REFUSES: EXIT_INVALID_INPUT,
  // Nothing was written because the result would be relocated wrongly: a difference, as verify's.
  RUNTIME_BREAKS: EXIT_DIFFERENCE,
};

export function usageError(message: string): PiekitError {
  return new PiekitError('USAGE', message);
}

/** How the command line reports a failure: its exit status and the line after `piekit: `. */
export interface Failure {
  readonly status: number;
  readonly line: string;
}

/**
 * The one mapping from a failure to its status and line. What piekit does not recognise as the
 * input's, the machine's or the caller's is a defect of piekit: one line, its own status. A run
 * under the GDB stub that breaks down (the emulator, the connection, the protocol) counts as one,
 * as it is not something the caller can change.
 */
export function failureOf(error: unknown): Failure {
  if (error instanceof ElfError) return { status: EXIT_INVALID_INPUT, line: `${error.message} [${error.code}]` };
  if (error instanceof PiekitError) return { status: PIEKIT_ERROR_STATUS[error.code], line: error.message };
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true) {
    return { status: EXIT_USAGE, line: error.message };
  }
  if (isSystemError(error)) {
    const where = error.path === undefined ? '' : `${error.path}: `;
    return { status: EXIT_INVALID_INPUT, line: `${where}${error.syscall === undefined ? '' : `${error.syscall} `}${error.code}` };
  }
  const message = error instanceof GdbRemoteError ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error);
  return { status: EXIT_INTERNAL, line: `internal error: ${message}` };
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'errno' in error;
}
