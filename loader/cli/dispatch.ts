import { ElfError } from '../../elf/index.js';
import { EnvironmentError } from '../environment.js';
import type { Output } from './arguments.js';
import { CliError, EXIT_INTERNAL, EXIT_INVALID_INPUT, EXIT_USAGE } from './exit-codes.js';

type Command = (args: string[], out: Output) => Promise<number>;

/** Loaded on demand: `plan` must not pay for the process-spawning modules `verify` needs. */
const COMMANDS: Readonly<Record<string, readonly [() => Promise<Command>, string]>> = {
  inspect: [async () => (await import('./inspect.js')).inspectCommand, 'piekit inspect FILE [--json]'],
  plan: [async () => (await import('./plan.js')).planCommand, 'piekit plan FILE --base ADDR [--json] [--engine ts|native]'],
  verify: [
    async () => (await import('./verify.js')).verifyCommand,
    'piekit verify FILE [--stop-at SYMBOL|ADDR|syscall] [--base ADDR|random [--runs N]] [--timeout S] [--run-on S] [--core CORE] [--json] [--engine ts|native] [--runner CMD] [-- ARGS...]',
  ],
  audit: [async () => (await import('./audit.js')).auditCommand, 'piekit audit FILE|DIR... [--runtime NAME]... [--json]'],
  pack: [async () => (await import('./pack.js')).packCommand, 'piekit pack FILE -o OUT [--dry-run]'],
  unpack: [async () => (await import('./unpack.js')).unpackCommand, 'piekit unpack FILE -o OUT [--format rel|rela] [--dry-run]'],
  run: [async () => (await import('./run.js')).runCommand, 'piekit run FILE [--base ADDR|random] [--dry-run] [-- ARGS...]'],
  build: [
    async () => (await import('./build.js')).buildProgramCommand,
    'piekit build SRC.c... --arch ARCH [--relr] [--dump] [--cflag FLAG]... -o OUT',
  ],
};

export function usage(): string {
  return ['usage:', ...Object.values(COMMANDS).map(([, text]) => `  ${text}`)].join('\n');
}

/** Runs one command; every failure becomes one line on stderr and its exit status, never a stack trace. */
export async function runCli(argv: string[], out: Output, err: Output): Promise<number> {
  const [name, ...args] = argv;
  const entry = name === undefined ? undefined : COMMANDS[name];
  if (name === '--help' || name === '-h') {
    out.write(`${usage()}\n`);
    return 0;
  }
  if (entry === undefined) {
    err.write(`${name === undefined ? '' : `piekit: unknown command '${name}'\n`}${usage()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await (await entry[0]())(args, out);
  } catch (error) {
    if (error instanceof ElfError) {
      err.write(`piekit: ${error.message} [${error.code}]\n`);
      return EXIT_INVALID_INPUT;
    }
    if (error instanceof EnvironmentError) {
      err.write(`piekit: ${error.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    if (error instanceof CliError) {
      err.write(`piekit: ${error.message}\n${error.exitCode === EXIT_USAGE ? `usage: ${entry[1]}\n` : ''}`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true) {
      err.write(`piekit: ${error.message}\nusage: ${entry[1]}\n`);
      return EXIT_USAGE;
    }
    if (isSystemError(error)) {
      err.write(`piekit: ${error.syscall === undefined ? '' : `${error.syscall} `}${error.path ?? ''}: ${error.code}\n`);
      return EXIT_INVALID_INPUT;
    }
    // Anything else is a defect of piekit, not of the input: one line, its own status.
    err.write(`piekit: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_INTERNAL;
  }
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'errno' in error;
}
