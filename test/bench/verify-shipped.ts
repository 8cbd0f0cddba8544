import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandMs } from './timing.js';

const RUNS = 5;
const TARGET_MS = 1_000;
const LDCONFIG = '/usr/sbin/ldconfig';
/** Debian's static-PIEs of other architectures that scripts/fetch-shipped unpacks, shown for information. */
const OTHERS = ['ldconfig-arm64', 'ldconfig-i386', 'ldconfig-s390x', 'qemu-aarch64-static'];

/**
 * `piekit verify` of Debian's stripped ldconfig with no option, end to end as a user runs it (Node
 * start, plan, system-call scan, qemu under its GDB stub, stop at the first system call, read,
 * compare, IRELATIVE check, clean up).
 */
export function reportShippedVerify(root: string, cli: string): void {
  console.log('piekit verify of static-PIEs as Debian ships them, no option (median of %d runs)', RUNS);
  console.log(`target: ${LDCONFIG} <= ${TARGET_MS} ms`);
  if (!existsSync(LDCONFIG)) {
    console.log(`  ${LDCONFIG} is not here (Debian package libc-bin)\n`);
    return;
  }
  const ms = commandMs(RUNS, process.execPath, [cli, 'verify', LDCONFIG]);
  console.log(`  ${LDCONFIG.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms  ${ms <= TARGET_MS ? 'met' : 'NOT met'}`);
  for (const name of OTHERS) {
    const file = join(root, 'build', 'shipped', name);
    if (!existsSync(file)) continue;
    console.log(`  ${name.padEnd(36)} ${commandMs(RUNS, process.execPath, [cli, 'verify', file]).toFixed(0).padStart(6)} ms`);
  }
  console.log('');
}
