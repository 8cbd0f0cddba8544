import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Toolchain } from 'piekit';

export async function onPath(command: string): Promise<boolean> {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    try {
      await access(join(directory, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Why this toolchain cannot build here, or undefined when it can. */
export async function missingToolchain(toolchain: Toolchain): Promise<string | undefined> {
  for (const requirement of toolchain.requires) {
    if (!(await onPath(requirement.command))) return `${requirement.command} is not installed (Debian package ${requirement.package})`;
  }
  return undefined;
}
