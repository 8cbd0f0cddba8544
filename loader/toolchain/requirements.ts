import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { type Arch, architectures, type Requirement } from '../../elf/index.js';

export async function onPath(command: string): Promise<boolean> {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    try {
      await access(join(directory, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The first command an architecture's toolchain needs that is not installed here, or undefined when it can build. */
export async function missingRequirement(arch: Arch): Promise<Requirement | undefined> {
  for (const requirement of arch.toolchain?.requires ?? []) {
    if (!(await onPath(requirement.command))) return requirement;
  }
  return undefined;
}

/**
 * The Debian packages that build and run every architecture the records name: their compilers
 * and linkers, and their emulators. scripts/setup installs these (with what the tests and the
 * benchmark need besides), so a new record's toolchain needs no second statement.
 */
export function architecturePackages(): string[] {
  const packages = architectures.flatMap((arch) => [
    ...(arch.toolchain?.requires ?? []).map((requirement) => requirement.package),
    ...(arch.emulator === undefined ? [] : [arch.emulator.package]),
  ]);
  return [...new Set(packages)];
}
