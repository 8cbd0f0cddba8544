import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { type Arch, archByName, architectures, ET_DYN, readElfFile } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { COMMON_FLAGS, relocationDefines } from './flags.js';
import { missingRequirement } from './requirements.js';

export interface BuildOptions {
  readonly sources: readonly string[];
  /** An architecture's name, or a record of its own (the stub's relocation facts come from the record). */
  readonly arch: string | Arch;
  /** Pack relative relocations as RELR instead of the ABI's REL or RELA. */
  readonly relr: boolean;
  readonly output: string;
  /** Link the hook that writes the relocated memory to fd 3 (docs/dump-format.md). */
  readonly dump?: boolean;
  /** Extra compiler flags, after piekit's own. */
  readonly cflags?: readonly string[];
}

/** The compiler command line for a build, after the checks that need no toolchain. */
export function buildCommand(options: BuildOptions): string[] {
  const arch = typeof options.arch === 'string' ? archByName(options.arch) : options.arch;
  const buildable = architectures.filter((candidate) => candidate.toolchain !== undefined).map((candidate) => candidate.name);
  if (arch === undefined) throw new PiekitError('USAGE', `unknown architecture '${options.arch}'; one of: ${buildable.join(', ')}`);
  const toolchain = arch.toolchain;
  if (toolchain === undefined)
    throw new PiekitError('USAGE', `Debian 12 has no compiler for ${arch.name}; piekit builds for: ${buildable.join(', ')}`);
  if (arch.stub === undefined) throw new PiekitError('USAGE', `piekit has no startup stub for ${arch.name}`);
  const format = options.relr ? toolchain.formats.relr : toolchain.formats.table;
  if (format === undefined) throw new PiekitError('USAGE', `the linker piekit uses for ${arch.name} cannot pack relocations as RELR`);
  const startup = join(packageRoot(), 'startup');
  return [
    ...toolchain.compiler,
    ...COMMON_FLAGS,
    ...toolchain.flags,
    ...format,
    ...relocationDefines(arch),
    ...(options.cflags ?? []),
    `-I${startup}`,
    `-I${join(startup, 'arch', arch.stub)}`,
    join(startup, 'start.c'),
    join(startup, 'mem.c'),
    join(startup, options.dump === true ? 'dump.c' : 'no-dump.c'),
    ...options.sources.map((source) => resolve(source)),
    '-o',
    resolve(options.output),
  ];
}

/** Compiles and links a freestanding C program with piekit's stub into a self-relocating static-PIE. */
export async function buildProgram(options: BuildOptions): Promise<void> {
  const [program, ...args] = buildCommand(options);
  const arch = typeof options.arch === 'string' ? archByName(options.arch) : options.arch;
  const name = arch?.name ?? options.arch;
  const missing = arch === undefined ? undefined : await missingRequirement(arch);
  if (missing !== undefined) {
    throw new PiekitError(
      'ENVIRONMENT',
      `${missing.command} is not installed: building for ${name} needs the Debian package ${missing.package} (scripts/setup installs it)`,
    );
  }
  await mkdir(dirname(resolve(options.output)), { recursive: true });
  const result = await execa(program as string, args, { reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new PiekitError('BUILD_FAILED', `building ${options.output} for ${name} failed:\n${result.all.trim()}`);
  }
  // Some drivers quietly link ET_EXEC for flags they do not honour; such a file is not a static-PIE.
  const elf = readElfFile(options.output);
  if (elf.header.type !== ET_DYN) {
    throw new PiekitError('BUILD_FAILED', `${options.output}: the ${name} toolchain linked e_type ${elf.header.type}, not ET_DYN`);
  }
}
