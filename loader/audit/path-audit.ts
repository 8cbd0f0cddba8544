import { closeSync, openSync, readSync } from 'node:fs';
import { ELF_MAGIC, ElfError, ET_EXEC, PT_INTERP, readElfFile } from '../../elf/index.js';
import { type AuditOptions, auditElf, auditFile } from './audit.js';
import type { AuditReport } from './report.js';

/** What became of one file of a multi-file or directory audit. */
export type FileOutcome =
  | { readonly kind: 'audited'; readonly file: string; readonly report: AuditReport }
  /** ELF, but not a file startup code relocates (ET_EXEC, no PT_DYNAMIC, ...): the reader's ElfError. */
  | { readonly kind: 'not auditable'; readonly file: string; readonly code: string; readonly message: string }
  | { readonly kind: 'not ELF'; readonly file: string }
  /** Not a static-PIE, left out of a walk unless asked for: PT_INTERP names a dynamic linker, or e_type is ET_EXEC. */
  | { readonly kind: 'skipped'; readonly file: string; readonly reason: SkipReason }
  /** The file could not be read (permissions, a file that vanished). */
  | { readonly kind: 'unreadable'; readonly file: string; readonly message: string };

export type SkipReason = 'dynamically linked' | 'static non-PIE';

/** How a walk treats files that are not static-PIEs: counted and left out (`skip`), or audited as well. */
export interface WalkOptions {
  readonly notStaticPie?: 'skip' | 'audit';
}

/** Audits one path of a walk: never throws for what is wrong with the file, only for defects of piekit. */
export function auditPath(file: string, options: AuditOptions & WalkOptions): FileOutcome {
  try {
    if (!startsWithElfMagic(file)) return { kind: 'not ELF', file };
    const { notStaticPie, ...audit } = options;
    if (notStaticPie !== 'audit') {
      const elf = readElfFile(file);
      if (elf.header.type === ET_EXEC) return { kind: 'skipped', file, reason: 'static non-PIE' };
      if (elf.programHeaders.some((header) => header.type === PT_INTERP)) return { kind: 'skipped', file, reason: 'dynamically linked' };
      return { kind: 'audited', file, report: auditElf(elf, file, audit) };
    }
    return { kind: 'audited', file, report: auditFile(file, audit) };
  } catch (error) {
    if (error instanceof ElfError) return { kind: 'not auditable', file, code: error.code, message: error.message };
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && 'errno' in (error as object)) return { kind: 'unreadable', file, message: `${(error as Error).message}` };
    throw error;
  }
}

function startsWithElfMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = new Uint8Array(ELF_MAGIC.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && ELF_MAGIC.every((byte, i) => head[i] === byte);
  } finally {
    closeSync(fd);
  }
}
