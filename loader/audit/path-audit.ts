import { closeSync, openSync, readSync } from 'node:fs';
import { ELF_MAGIC, ElfError } from '../../elf/index.js';
import { type AuditOptions, auditFile } from './audit.js';
import type { AuditReport } from './report.js';

/** What became of one file of a multi-file or directory audit. */
export type FileOutcome =
  | { readonly kind: 'audited'; readonly file: string; readonly report: AuditReport }
  /** ELF, but not a file startup code relocates (ET_EXEC, no PT_DYNAMIC, ...): the reader's ElfError. */
  | { readonly kind: 'not auditable'; readonly file: string; readonly code: string; readonly message: string }
  | { readonly kind: 'not ELF'; readonly file: string }
  /** The file could not be read (permissions, a file that vanished). */
  | { readonly kind: 'unreadable'; readonly file: string; readonly message: string };

/** Audits one path of a walk: never throws for what is wrong with the file, only for defects of piekit. */
export function auditPath(file: string, options: AuditOptions): FileOutcome {
  try {
    if (!startsWithElfMagic(file)) return { kind: 'not ELF', file };
    return { kind: 'audited', file, report: auditFile(file, options) };
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
