import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding piekit's package.json. Found by walking up, because this module runs
 * both from its source (tests) and from dist/ (the command line), at different depths.
 */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'startup', 'relocate.c'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('piekit: cannot find the startup/ directory of the package');
    directory = parent;
  }
  return directory;
}
