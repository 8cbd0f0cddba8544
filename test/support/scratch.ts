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

/**
 * Points TMPDIR, which os.tmpdir() and child processes read, at a directory of the file's own
 * inside `scratch` while its tests run, so that what is left there is theirs: other test files
 * running at the same time make temporary files of their own, which a look at the shared
 * directory would count. Call it after `scratchDirectory`, whose directory it needs.
 */
export function privateTemporaryDirectory(scratch: Scratch): { readonly path: string } {
  let path = '';
  let saved: string | undefined;
  beforeAll(async () => {
    path = await scratch.subdirectory('tmp');
    saved = process.env.TMPDIR;
    process.env.TMPDIR = path;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });
  return {
    get path() {
      if (path === '') throw new Error('the private temporary directory is used before its hooks ran');
      return path;
    },
  };
}
