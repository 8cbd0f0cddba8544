import { existsSync } from 'node:fs';
import { auditPaths, summarize, walkOperands } from '../../loader/audit/index.js';

const LIBRARIES = '/usr/lib/x86_64-linux-gnu';
const TARGET_FILES_PER_SECOND = 50;

/**
 * `piekit audit DIR` over a system library directory, as the command line does it (directory walk,
 * worker threads, words counted rather than classified), in files per second. Twice: the first run
 * may read the files from disk, the second finds them in the page cache.
 */
export async function benchAudit(directory = LIBRARIES): Promise<void> {
  if (!existsSync(directory)) {
    console.log(`${directory} is missing: the audit benchmark needs an x86_64 Debian host\n`);
    return;
  }
  console.log(`piekit audit ${directory} (target >= ${TARGET_FILES_PER_SECOND} files/s)`);
  for (const round of ['first run', 'second run']) {
    const walk = walkOperands([directory]);
    const started = process.hrtime.bigint();
    const run = await auditPaths(walk.files, { classify: false });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = summarize(walk, run.outcomes);
    const elf = summary.audited + Object.values(summary.notAuditable).reduce((sum, n) => sum + n, 0);
    console.log(
      `  ${round}: ${walk.files.length} files (${elf} ELF, ${summary.audited} audited) in ${seconds.toFixed(1)} s = ` +
        `${(walk.files.length / seconds).toFixed(0)} files/s, ${(summary.audited / seconds).toFixed(0)} audited/s, ${run.workers} worker threads`,
    );
  }
  console.log();
}
