import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** What `piekit help COMMAND` and `piekit COMMAND --help` print: the synopsis, what it does, one line per option. */
export interface CommandHelp {
  readonly synopsis: string;
  readonly summary: string;
  readonly options: readonly (readonly [string, string])[];
}

const JSON_OPTION = ['--json', 'the report as JSON (README.md documents each field)'] as const;
const FORCE_OPTION = ['--force', 'write OUT even if the runtime FILE carries would relocate it wrongly (else exit 1)'] as const;
const ENGINE_OPTION = ['--engine ts|native', "plan with the TypeScript model (default) or the stub's C core through the addon"] as const;

export const COMMAND_HELP = {
  inspect: {
    synopsis: 'piekit inspect FILE [--json]',
    summary: 'headers, segments, dynamic entries, tables and every relocation of FILE',
    options: [JSON_OPTION],
  },
  plan: {
    synopsis: 'piekit plan FILE --base ADDR [--json] [--engine ts|native]',
    summary: 'the words startup code writes when FILE is loaded at ADDR',
    options: [['--base ADDR', "the load base: page-aligned for FILE's architecture, the image within its address space"], JSON_OPTION, ENGINE_OPTION],
  },
  verify: {
    synopsis:
      'piekit verify FILE [--stop-at SYMBOL|ADDR|syscall] [--base ADDR|random [--runs N]] [--timeout S] [--run-on S] [--core CORE] [--trace] [--max-differences N] [--json] [--engine ts|native] [--runner CMD] [-- ARGS...]',
    summary: "compare a program's relocated memory with the plan: run under qemu-user and stopped after its relocator, or from a core file",
    options: [
      ['--stop-at SYMBOL|ADDR|syscall', 'where to stop the program (default: after the relocator its symbols name, else its first system call)'],
      ['--base ADDR|random', "run it through piekit's loader at that base (page-aligned) or at random bases"],
      ['--runs N', 'with --base: how many runs, each at its own base'],
      ['--timeout S', 'seconds a run may take before it is stopped (default 30)'],
      ['--run-on S', 'after a difference, let the program run on for S seconds and report where it goes (default: killed at the stop)'],
      ['--core CORE', 'compare the memory a core file holds instead of running the program'],
      [
        '--trace',
        "also trace the startup (piekit trace) in the same run, its first: its findings after verify's; status 1 if either finds a problem",
      ],
      ['--max-differences N', 'differing words printed per run, then the count of the rest (default 20; --json has them all)'],
      JSON_OPTION,
      ENGINE_OPTION,
      ['--runner CMD', 'a sample with the dump hook: the command that runs it (default: qemu-user for its architecture)'],
      ['-- ARGS...', 'arguments given to the program'],
    ],
  },
  trace: {
    synopsis: 'piekit trace FILE [--stop-at SYMBOL|ADDR|syscall] [--base ADDR|random] [--json] [-- ARGS...]',
    summary:
      "every load and store of a program's startup under qemu-user until its relocator is done: reads before relocation, words written twice, by other code or never",
    options: [
      [
        '--stop-at SYMBOL|ADDR|syscall',
        'where recording ends (default: where verify stops: after the relocator its symbols name, else the first system call)',
      ],
      ['--base ADDR|random', "run it through piekit's loader at that base (page-aligned) or at a random one"],
      JSON_OPTION,
      ['-- ARGS...', 'arguments given to the program'],
    ],
  },
  audit: {
    synopsis: 'piekit audit FILE|DIR... [--runtime NAME]... [--all] [--json]',
    summary: 'which relocators relocate FILE correctly (judged by the runtime it carries), its hazards and its cost',
    options: [
      ['--runtime NAME', 'judge by this runtime model instead of the one the file carries (repeatable)'],
      ['--all', 'in a directory walk, audit dynamically linked (PT_INTERP) and ET_EXEC files too instead of counting them'],
      JSON_OPTION,
    ],
  },
  pack: {
    synopsis: 'piekit pack FILE -o OUT [--dry-run] [--force] [--json]',
    summary: 'relative REL/RELA entries -> RELR, proved equivalent before OUT is written',
    options: [
      ['-o, --output OUT', 'where to write the converted file (its directory must exist)'],
      ['--dry-run', 'print the report, write nothing'],
      FORCE_OPTION,
      JSON_OPTION,
    ],
  },
  unpack: {
    synopsis: 'piekit unpack FILE -o OUT [--format rel|rela] [--keep-addends] [--dry-run] [--force] [--json]',
    summary: 'RELR -> relative REL/RELA entries, proved equivalent before OUT is written',
    options: [
      ['-o, --output OUT', 'where to write the converted file (its directory must exist)'],
      ['--format rel|rela', "the table format (default: the psABI's)"],
      ['--keep-addends', 'RELA: leave each word its link-time value (default: 0, as lld writes it)'],
      ['--dry-run', 'print the report, write nothing'],
      FORCE_OPTION,
      JSON_OPTION,
    ],
  },
  run: {
    synopsis: 'piekit run FILE [--base ADDR|random] [--dry-run] [-- ARGS...]',
    summary: "run a static-PIE through piekit's loader at a chosen base",
    options: [
      ['--base ADDR|random', 'the load base (page-aligned), or one the loader draws (default)'],
      ['--dry-run', 'with --base ADDR: describe the load, run nothing'],
      ['-- ARGS...', 'arguments given to the program'],
    ],
  },
  build: {
    synopsis: 'piekit build SRC.c... --arch ARCH [--relr] [--dump] [--cflag FLAG]... -o OUT',
    summary: "a freestanding C program + piekit's stub -> a self-relocating static-PIE",
    options: [
      ['--arch ARCH', 'the architecture, by its record name (elf/architectures.ts)'],
      ['--relr', 'link the relative relocations as RELR'],
      ['--dump', 'add the dump hook (the program writes its relocated memory for verify)'],
      ['--cflag FLAG', 'an extra compiler flag (repeatable)'],
      ['-o, --output OUT', 'the executable to write'],
    ],
  },
} as const satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof COMMAND_HELP;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_HELP, name);
}

/** The list every usage error ends with, and `piekit help`. */
export function usage(): string {
  return ['usage:', ...Object.values(COMMAND_HELP).map((help) => `  ${help.synopsis}`), '  piekit help [COMMAND]', '  piekit --version'].join('\n');
}

/** `piekit help COMMAND`: the synopsis, what it does, and each option on one line. */
export function commandHelp(name: CommandName): string {
  const help: CommandHelp = COMMAND_HELP[name];
  const width = help.options.reduce((most, [flag]) => Math.max(most, flag.length), 0);
  const options = help.options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
  return [`usage: ${help.synopsis}`, '', help.summary, ...(options.length > 0 ? ['', 'options:', ...options] : [])].join('\n');
}

export function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return `piekit ${manifest.version}`;
}
