/**
 * Every way piekit refuses a request that is not a defect of the ELF file itself (that is an
 * ElfError): one code per kind, so that a caller can tell them apart without parsing messages. The
 * command line maps each code to its exit status in one place (cli/exit-codes.ts).
 */
export type PiekitErrorCode =
  /** The command line or the call is wrong: an option, an operand, OUT naming FILE, an architecture piekit cannot build for. */
  | 'USAGE'
  /** A path given cannot serve: missing, a directory, not a regular file, not executable where it must run, OUT's directory absent. */
  | 'BAD_PATH'
  /** Something piekit needs from the machine is missing or keeps failing: a compiler, an emulator, the native addon, a free base. */
  | 'ENVIRONMENT'
  /** The compiler or linker failed, or linked something other than a static-PIE. */
  | 'BUILD_FAILED'
  /** A verification or trace cannot be made as asked: no stop point, a symbol the file lacks, a base that is taken, a core of another program. */
  | 'UNVERIFIABLE'
  /** piekit's loader would refuse the file (`run --dry-run`); the message gives its exit status and line. */
  | 'LOADER_REFUSES'
  /** pack/unpack: the runtime the file carries would relocate the result wrongly, so nothing was written. */
  | 'RUNTIME_BREAKS';

export class PiekitError extends Error {
  override readonly name = 'PiekitError';

  constructor(
    readonly code: PiekitErrorCode,
    message: string,
  ) {
    super(message);
  }
}
