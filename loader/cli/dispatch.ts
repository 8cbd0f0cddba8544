import type { Output } from './arguments.js';
import { EXIT_USAGE, failureOf } from './exit-codes.js';
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
    const failure = failureOf(error);
    err.write(`piekit: ${failure.line}\n${failure.status === EXIT_USAGE ? `usage: ${synopsis}\n` : ''}`);
    return failure.status;
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
