/**
 * Zig 0.11 static-PIEs, built with the Zig that scripts/fetch-zig puts in build/zig (Debian 12
 * packages none), once per architecture and shared through the content-keyed cache of
 * samples.ts. `zig build-exe` builds and links it as Zig does (its own LLD 16, REL or RELA);
 * ld.lld-19 relinks Zig's object with Zig's own link line and `-z pack-relative-relocs`, which
 * Zig 0.11 cannot ask for (it refuses the flag) and its startup ignores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { TestContext } from 'vitest';
import { missing, notApplicable, requireCommand } from './environment.js';
import { cachedOutput, toolIdentity } from './samples.js';

export const ZIG = resolve('build/zig/zig');
/** The standard library file whose `relocate()` is Zig 0.11's static-PIE relocator. */
export const START_PIE = resolve('build/zig/lib/std/os/linux/start_pie.zig');
/** Zig's global cache: compiler-rt and the like, built once per target for every build. */
const ZIG_CACHE = resolve('build/zig-cache');
export const PROGRAM = 'test/zig/program.zig';
/** What PROGRAM prints when run with no argument (argc 1: names[1], pointer 1 is 4 bytes in). */
export const PROGRAM_OUTPUT = 'beta 1 4';

export interface ZigTarget {
  /** The architecture's name in Zig's `builtin.cpu.arch` (start_pie.zig's switch). */
  readonly zig: string;
  /** What `-target` gets: Linux with no libc, so std's own startup (start.zig) runs. */
  readonly target: string;
  /** piekit's name for it. */
  readonly arch: string;
}

/** Every architecture Zig 0.11's PIE startup supports (R_RELATIVE in start_pie.zig); qemu-user runs each. */
export const ZIG_TARGETS: readonly ZigTarget[] = [
  { zig: 'x86_64', target: 'x86_64-linux-none', arch: 'x86_64' },
  { zig: 'x86', target: 'x86-linux-none', arch: 'x86' },
  { zig: 'arm', target: 'arm-linux-eabihf', arch: 'arm' },
  { zig: 'aarch64', target: 'aarch64-linux-none', arch: 'aarch64' },
  { zig: 'riscv64', target: 'riscv64-linux-none', arch: 'riscv64' },
];

/** The Zig scripts/setup installs; the npm package holds an x86_64 build only. */
export function requireZig(context: TestContext): void {
  if (process.arch !== 'x64') notApplicable(context, 'the Zig 0.11 the tests use is an x86_64 build');
  if (!existsSync(ZIG)) missing(context, `Zig 0.11 (${ZIG}) is not installed`);
}

export type ZigLink = 'zig' | 'relr';

/** zigProgram, once the test has what it needs (a missing tool fails a strict run). */
export async function zigStaticPie(
  context: TestContext,
  target: ZigTarget,
  link: ZigLink,
  options: { readonly stripped?: boolean } = {},
): Promise<string> {
  requireZig(context);
  if (link === 'relr') await requireCommand(context, 'ld.lld-19', 'lld-19');
  if (options.stripped === true) await requireCommand(context, 'llvm-strip-19', 'llvm-19');
  return zigProgram(target, link, options);
}

/**
 * PROGRAM as a Zig 0.11 static-PIE for `target` (ReleaseSmall, with its symbols), linked by Zig
 * (`zig`) or relinked with RELR by ld.lld-19 (`relr`); `stripped` gives the copy llvm-strip-19
 * makes, as distributions ship it.
 */
export async function zigProgram(target: ZigTarget, link: ZigLink, options: { readonly stripped?: boolean } = {}): Promise<string> {
  const file = await linked(target, link);
  if (options.stripped !== true) return file;
  return cachedOutput([file, toolIdentity('llvm-strip-19')], `${target.arch}-${link}-stripped`, async (output) => {
    await execa('llvm-strip-19', ['-o', output, file]);
  });
}

const ZIG_FLAGS = ['-fPIE', '-O', 'ReleaseSmall', '-fno-strip'] as const;

function zigIdentity(): string {
  return readFileSync(join(ZIG, '..', 'integrity'), 'utf8');
}

/**
 * PROGRAM linked by `zig build-exe`; beside it, in the same directory, the object Zig linked it
 * from (`ARCH.o`) and Zig's link line (`ARCH.link`, from --verbose-link), for relinking.
 */
function zigBuilt(target: ZigTarget): Promise<string> {
  const args = ['build-exe', PROGRAM, '-target', target.target, ...ZIG_FLAGS, '--verbose-link'];
  return cachedOutput([zigIdentity(), JSON.stringify(args), readFileSync(PROGRAM)], `${target.arch}-zig`, (output) =>
    inPrivateDirectory(async (directory) => {
      // A private local cache: Zig compiles and links every time, so the link line is printed.
      const program = join(directory, 'program');
      const result = await zig([...args, '--cache-dir', join(directory, 'cache'), `-femit-bin=${program}`]);
      const link = result.split('\n').find((line) => line.startsWith('ld.lld '));
      if (link === undefined) throw new Error(`zig ${args.join(' ')} printed no link line:\n${result}`);
      await copyFile(`${program}.o`, join(dirname(output), `${target.arch}.o`));
      await writeFile(join(dirname(output), `${target.arch}.link`), link.replaceAll(directory, '@'));
      await copyFile(program, output);
    }),
  );
}

async function linked(target: ZigTarget, link: ZigLink): Promise<string> {
  const built = await zigBuilt(target);
  if (link === 'zig') return built;
  // Zig's own link line, with ld.lld-19 for its LLD 16 and RELR asked for; paths hold no space here.
  const directory = dirname(built);
  const zigLine = readFileSync(join(directory, `${target.arch}.link`), 'utf8')
    .split(' ')
    .slice(1);
  return cachedOutput([toolIdentity('ld.lld-19'), JSON.stringify(zigLine), directory], `${target.arch}-relr`, async (output) => {
    const args = zigLine.map((arg) => (arg === '@/program' ? output : arg === '@/program.o' ? join(directory, `${target.arch}.o`) : arg));
    await execa('ld.lld-19', [...args, '-z', 'pack-relative-relocs']);
  });
}

/**
 * PROGRAM compiled by Zig for x86_64 Linux with musl (`-lc`: std then calls libc, and start.zig
 * leaves the startup to the libc's start files), as an object for Debian's musl to link.
 */
export function zigMuslObject(): Promise<string> {
  const args = ['build-obj', PROGRAM, '-target', 'x86_64-linux-musl', '-lc', '-fPIE', '-O', 'ReleaseSmall'];
  return cachedOutput([zigIdentity(), JSON.stringify(args), readFileSync(PROGRAM)], 'x86_64-musl.o', (output) =>
    inPrivateDirectory(async (directory) => {
      await zig([...args, '--cache-dir', join(directory, 'cache'), `-femit-bin=${join(directory, 'program.o')}`]);
      await copyFile(join(directory, 'program.o'), output);
    }),
  );
}

/** zig's messages (stderr and stdout together); a failure throws them. */
async function zig(args: readonly string[]): Promise<string> {
  const result = await runZig(args);
  if (result.exitCode !== 0) throw new Error(`zig ${args.join(' ')} failed:\n${result.all}`);
  return result.all;
}

/** zig writes beside its output (the object of an executable) and keeps a local cache: both go with the directory. */
async function inPrivateDirectory(work: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'piekit-zig-'));
  try {
    await work(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** zig with the shared global cache, its output and status returned. */
export function runZig(args: readonly string[]) {
  return execa(ZIG, [...args, '--global-cache-dir', ZIG_CACHE], { reject: false, all: true });
}
