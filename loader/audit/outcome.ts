import { createHash } from 'node:crypto';
import { ElfError } from '../../elf/index.js';
import { auditBytes } from './audit.js';

/**
 * What an audit makes of a file, as one comparable line for seeded mutation tests: `ok <digest of
 * the report>`, `error <ElfError code>` when the file is not auditable, or `defect <message>` for
 * anything else thrown (a defect of piekit). The digest covers the whole JSON report, classified.
 */
export function auditOutcome(bytes: Uint8Array): string {
  try {
    const report = auditBytes(bytes, 'mutant');
    return `ok ${createHash('sha1').update(JSON.stringify(report)).digest('hex')}`;
  } catch (error) {
    if (error instanceof ElfError) return `error ${error.code}`;
    return `defect ${error instanceof Error ? error.message : String(error)}`;
  }
}
