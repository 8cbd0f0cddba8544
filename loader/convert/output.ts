import { randomBytes } from 'node:crypto';
import { chmodSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Makes a file whole or not at all: `write` creates a temporary file in the same directory (so
 * that the rename stays within one file system and is atomic), which gets `mode` and is then
 * renamed over `path`. A failure removes the temporary file and leaves `path` as it was. A `write`
 * that waits on the file system returns a promise: the file is then made once it settles, and the
 * promise handed back settles after that.
 */
export function writeAtomically<T>(path: string, mode: number, write: (temporary: string) => T): T {
  const temporary = temporaryOf(path);
  const made = <R>(result: R): R => {
    commit(temporary, mode, path);
    return result;
  };
  const discarded = (error: unknown): never => {
    rmSync(temporary, { force: true });
    throw error;
  };
  try {
    const result = write(temporary);
    return (result instanceof Promise ? result.then(made, discarded) : made(result)) as T;
  } catch (error) {
    return discarded(error);
  }
}

function temporaryOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function commit(temporary: string, mode: number, path: string): void {
  // chmod, not the mode given at creation: the umask would take bits away.
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/** The permission bits of a file (setuid, setgid and sticky included), to give its conversion. */
export function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}
