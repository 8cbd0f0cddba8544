/**
 * Programs the tests build, built once and shared by every test file, which vitest runs in
 * parallel. The samples of `make` (samples/out/<arch>/<sample>-<format>) are built before any file
 * runs (test/support/global-setup.ts); a file that needs them again calls `makeSamples`, which
 * takes the same lock, so no two processes write the same output together. Any other program is
 * built by `builtProgram` into a directory named by the hash of everything that goes into it, and
 * moved into place whole: a second file asking for the same program gets the first one's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { execa } from 'execa';
import { archByName } from 'piekit/elf';
import { type BuildOptions, buildCommand, buildProgram } from 'piekit/toolchain';

const LOCK = 'build/samples.lock';
const PROGRAMS = 'build/test-programs';

export interface SampleBuild {
  readonly ok: boolean;
  /** make's output, and on failure which compiler the architecture builds with. */
  readonly output: string;
}

const made = new Map<string, Promise<SampleBuild>>();

/** `make samples ARCH=arch` (every architecture without one), under the lock all test files share. */
export function makeSamples(arch?: string): Promise<SampleBuild> {
  const key = arch ?? '';
  let build = made.get(key);
  if (build === undefined) {
    build = runMake(arch === undefined ? ['-k', '-j2', 'samples-all'] : ['-j2', 'samples', `ARCH=${arch}`]).then((result) => ({
      ok: result.ok,
      output: result.ok || arch === undefined ? result.output : `${result.output}\n${compilerNote(arch)}`,
    }));
    made.set(key, build);
  }
  return build;
}

/** make's targets, under the samples lock (flock releases it however make ends). */
export async function runMake(targets: readonly string[]): Promise<SampleBuild> {
  await mkdir('build', { recursive: true });
  const result = await execa('flock', [LOCK, 'make', '--no-print-directory', ...targets], { reject: false, all: true });
  return { ok: result.exitCode === 0, output: result.all };
}

/** The path of one of make's samples. */
export function samplePath(arch: string, name: string): string {
  return join('samples', 'out', arch, name);
}

/** Which compiler builds an architecture's programs, and where PATH finds it: for a failed build's message. */
export function compilerNote(arch: string): string {
  const compiler = archByName(arch)?.toolchain?.compiler[0];
  return compiler === undefined
    ? `no toolchain for ${arch}`
    : `the ${arch} samples are built with ${compiler} (${resolveCommand(compiler) ?? 'not on PATH'})`;
}

/** The first file of that name on PATH. */
function resolveCommand(command: string): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined;
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, command);
    if (directory !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * A program built with `buildProgram`, shared by every test that asks for the same one: the key
 * covers the command line, the sources, the whole startup stub and the compiler that is first on
 * PATH (a different compiler, even a broken one, is a different build).
 */
export async function builtProgram(options: Omit<BuildOptions, 'output'>, name: string): Promise<string> {
  const command = buildCommand({ ...options, output: 'OUTPUT' });
  const [compiler] = command;
  const inputs: (string | Uint8Array)[] = [JSON.stringify(command), toolIdentity(compiler as string)];
  for (const file of [...options.sources, ...filesUnder('startup')]) inputs.push(file, readFileSync(file));
  return cachedOutput(inputs, name, (output) => buildProgram({ ...options, output }));
}

/** A command's identity for a cache key: the file PATH finds, its size and time, or just the name when none. */
export function toolIdentity(command: string): string {
  const path = resolveCommand(command);
  if (path === undefined) return command;
  const stat = statSync(path);
  return `${resolve(path)} ${stat.size} ${stat.mtimeMs}`;
}

/**
 * The file `make` writes, made once into a directory named by the hash of `inputs` (everything
 * that goes into it: command lines, sources, the tools' identities) and moved into place whole,
 * so that a second test, in this file or another, asking for the same one gets the first one's.
 */
export async function cachedOutput(inputs: readonly (string | Uint8Array)[], name: string, make: (output: string) => Promise<void>): Promise<string> {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(input).update('\0');
  const directory = join(PROGRAMS, hash.digest('hex').slice(0, 24));
  const output = join(directory, name);
  if (existsSync(output)) return output;
  let pending = building.get(output);
  if (pending === undefined) {
    pending = (async () => {
      await mkdir(directory, { recursive: true });
      const temporary = `${output}.${process.pid}.tmp`;
      try {
        await make(temporary);
        await rename(temporary, output);
      } finally {
        await rm(temporary, { force: true });
      }
      return output;
    })();
    building.set(output, pending);
    pending.catch(() => building.delete(output));
  }
  return pending;
}

const building = new Map<string, Promise<string>>();
