import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface Scratch {
  /** The directory, once the hooks of the file (or `describe`) that made it have started. */
  readonly path: string;
  /** A path inside the directory. */
  at(...parts: string[]): string;
  /** A new, empty directory inside it, for one test's files. */
  subdirectory(prefix: string): Promise<string>;
}

/**
 * A directory of the test file's (or the `describe`'s) own under the system's temporary directory,
 * removed with everything in it once its tests are done. Call it before registering other hooks:
 * vitest runs `beforeAll` hooks in the order registered and `afterAll` hooks in reverse, so theirs
 * may use it, and the directory outlives them.
 */
export function scratchDirectory(name: string): Scratch {
  let path = '';
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), `piekit-${name}-`));
  });
  afterAll(async () => {
    if (path !== '') await rm(path, { recursive: true, force: true });
  });
  const made = (): string => {
    if (path === '') throw new Error(`the scratch directory for ${name} is used before its hooks ran`);
    return path;
  };
  return {
    get path() {
      return made();
    },
    at: (...parts) => join(made(), ...parts),
    subdirectory: (prefix) => mkdtemp(join(made(), `${prefix}-`)),
  };
}
