import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { archByName } from '../../elf/index.js';
import { packageRoot } from '../package-root.js';
import { buildProgram } from '../toolchain/build.js';

/** The loader's C sources: every .c file of native/loader, the same set the Makefile's `loader` target builds through here. */
export function loaderSources(): string[] {
  return listed(join(packageRoot(), 'native', 'loader')).filter((path) => path.endsWith('.c'));
}

/**
 * The loader for an architecture, built from the architecture's record on first use, and again
 * whenever a source it is built from is newer than it.
 */
export async function loaderFor(arch: string): Promise<string> {
  const root = packageRoot();
  const path = join(root, 'build', 'loader', arch, 'piekit-loader');
  const loaderDirectory = join(root, 'native', 'loader');
  const stub = archByName(arch)?.stub ?? arch;
  const inputs = [
    ...listed(loaderDirectory),
    ...listed(join(root, 'startup')),
    // Headers that several architectures share (a family's syscall functions).
    ...listed(join(root, 'startup', 'arch')),
    ...listed(join(root, 'startup', 'arch', stub)),
  ];
  const built = existsSync(path) ? statSync(path).mtimeMs : -1;
  if (inputs.some((input) => statSync(input).mtimeMs > built)) {
    await buildProgram({ sources: loaderSources(), arch, relr: false, cflags: [`-I${loaderDirectory}`], output: path });
  }
  return path;
}

function listed(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
    .sort()
    .map((name) => join(directory, name));
}
