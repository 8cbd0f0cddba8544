import { ElfError } from '../../elf/index.js';
import { EnvironmentError } from '../environment.js';
import type { Output } from './arguments.js';
import { CliError, EXIT_INTERNAL, EXIT_INVALID_INPUT, EXIT_USAGE } from './exit-codes.js';
import { COMMAND_HELP, type CommandName, commandHelp, isCommand, usage, version } from './help.js';

type Command = (args: string[], out: Output) => Promise<number>;

/** Loaded on demand: `plan` must not pay for the process-spawning modules `verify` needs. */
const COMMANDS: Readonly<Record<CommandName, () => Promise<Command>>> = {
  inspect: async () => (await import('./inspect.js')).inspectCommand,
  plan: async () => (await import('./plan.js')).planCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  trace: async () => (await import('./trace.js')).traceCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  pack: async () => (await import('./pack.js')).packCommand,
  unpack: async () => (await import('./unpack.js')).unpackCommand,
  run: async () => (await import('./run.js')).runCommand,
  build: async () => (await import('./build.js')).buildProgramCommand,
};

/** Runs one command; every failure becomes one line on stderr and its exit status, never a stack trace. */
export async function runCli(argv: string[], out: Output, err: Output): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h') {
    out.write(`${usage()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    out.write(`${version()}\n`);
    return 0;
  }
  if (name === 'help') return help(args, out, err);
  if (name === undefined || !isCommand(name)) {
    err.write(`${name === undefined ? '' : `piekit: unknown command '${name}'\n`}${usage()}\n`);
    return EXIT_USAGE;
  }
  const own = args.indexOf('--') < 0 ? args : args.slice(0, args.indexOf('--'));
  if (own.includes('--help') || own.includes('-h')) {
    out.write(`${commandHelp(name)}\n`);
    return 0;
  }
  const synopsis = COMMAND_HELP[name].synopsis;
  try {
    return await (await COMMANDS[name]())(args, out);
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
      err.write(`piekit: ${error.message}\n${error.exitCode === EXIT_USAGE ? `usage: ${synopsis}\n` : ''}`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true) {
      err.write(`piekit: ${error.message}\nusage: ${synopsis}\n`);
      return EXIT_USAGE;
    }
    if (isSystemError(error)) {
      err.write(
        `piekit: ${error.path ?? ''}${error.path === undefined ? '' : ': '}${error.syscall ?? ''}${error.syscall === undefined ? '' : ' '}${error.code}\n`,
      );
      return EXIT_INVALID_INPUT;
    }
    // Anything else is a defect of piekit, not of the input: one line, its own status.
    err.write(`piekit: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_INTERNAL;
  }
}

/** `piekit help` lists the commands; `piekit help COMMAND` explains one. */
function help(args: readonly string[], out: Output, err: Output): number {
  const [topic, ...extra] = args;
  if (topic === undefined) {
    out.write(`${usage()}\n`);
    return 0;
  }
  if (!isCommand(topic) || extra.length > 0) {
    err.write(`piekit: help takes one command name, not '${args.join(' ')}'\n${usage()}\n`);
    return EXIT_USAGE;
  }
  out.write(`${commandHelp(topic)}\n`);
  return 0;
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'errno' in error;
}
