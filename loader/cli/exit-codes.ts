/** Exit statuses of the command line; each failure class has its own. */
export const EXIT_OK = 0;
/** verify found a difference, audit found a runtime that breaks or a hazard of severity error. */
export const EXIT_DIFFERENCE = 1;
/** Invalid input, or something the machine lacks to do the job (named on the line). */
export const EXIT_INVALID_INPUT = 2;
export const EXIT_USAGE = 64;
/** A defect of piekit itself (sysexits' EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/** A failure the command line reports as one line with a chosen exit status. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(EXIT_USAGE, message);
}
