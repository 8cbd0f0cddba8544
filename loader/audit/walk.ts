import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The files a multi-file audit looks at, and what the walk left out. */
export interface Walk {
  /** Regular files: operands as given, files under directory operands in sorted order. */
  readonly files: readonly string[];
  /** Symbolic links met inside directories: not followed, so no file is audited twice or outside the tree. */
  readonly links: number;
  /** Sockets, devices and other entries that are neither files nor directories. */
  readonly special: number;
}

/**
 * Expands the operands: a directory is walked recursively, an operand that names a file (or a link
 * to one) is taken as it is. A missing operand throws the system's error.
 */
export function walkOperands(operands: readonly string[]): Walk {
  const files: string[] = [];
  let links = 0;
  let special = 0;
  const visit = (directory: string): void => {
    const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isSymbolicLink()) links++;
      else if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) files.push(path);
      else special++;
    }
  };
  for (const operand of operands) {
    const stat = statSync(operand);
    if (stat.isDirectory()) visit(operand);
    else if (stat.isFile()) files.push(operand);
    else special++;
  }
  return { files, links, special };
}
