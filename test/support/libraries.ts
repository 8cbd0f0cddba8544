import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const LIB_DIR = '/usr/lib/x86_64-linux-gnu';
/**
 * Distinct ELF shared objects of LIB_DIR on the Debian 12 image CI runs on, after scripts/setup
 * (457 there): a run that finds far fewer has lost most of what it claims to compare.
 */
export const DISTINCT_LIBRARIES_AT_LEAST = 440;

/** Every distinct ELF shared object of a directory, by real path: symlinks and hard copies of one file count once. */
export function distinctElfLibraries(directory = LIB_DIR): string[] {
  const seen = new Set<string>();
  for (const name of readdirSync(directory).filter((entry) => /\.so(\.|$)/.test(entry))) {
    const path = join(directory, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile() || stat.size < 64 || !startsWithElfMagic(path)) continue;
    seen.add(realpathSync(path));
  }
  return [...seen].sort();
}

function startsWithElfMagic(path: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
}
