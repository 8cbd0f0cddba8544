import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Arch, Requirement } from '../../elf/index.js';

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
