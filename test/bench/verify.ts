import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfFile } from '../../elf/index.js';
import { launchQemuSession, SymbolTable, verifyFile } from '../../loader/verify/index.js';

const RUNS = 5;
const TARGETS = { verifyMs: 2_000, readMs: 1_000 } as const;
const EIGHT_MIB = 8 << 20;

/** 9 MiB of file-backed bytes in a read-only segment, to read 8 MiB of from the stopped program. */
const PROGRAM = `
#include <stdio.h>
__asm__(".section .rodata\\n.balign 4096\\n.globl big\\nbig:\\n.incbin \\"blob.bin\\"\\n.previous");
extern const unsigned char big[];
int main(void) { printf("%u\\n", big[0]); return 0; }
`;

/** The median of `runs` measurements after a warm-up one; each measures itself, in milliseconds. */
async function medianMs(runs: number, measure: () => Promise<number>): Promise<number> {
  await measure();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await measure());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/**
 * `piekit verify` of a glibc static-PIE under qemu-x86_64's GDB stub, end to end (plan, launch,
 * stop at __libc_setup_tls, read, compare, clean up), and 8 MiB read from a stopped program.
 */
export async function reportVerify(): Promise<void> {
  console.log('piekit verify under qemu-user GDB stub (median of %d runs)', RUNS);
  console.log(`targets: verify of a glibc static-PIE <= ${TARGETS.verifyMs} ms; 8 MiB read from a stopped program <= ${TARGETS.readMs} ms`);
  const directory = mkdtempSync(join(tmpdir(), 'piekit-bench-verify-'));
  try {
    writeFileSync(join(directory, 'prog.c'), PROGRAM);
    writeFileSync(join(directory, 'blob.bin'), randomBytes(9 << 20));
    const program = join(directory, 'prog');
    try {
      execFileSync('gcc', ['-static-pie', '-O2', 'prog.c', '-o', program], { cwd: directory, stdio: 'pipe' });
    } catch (error) {
      console.log(`  gcc -static-pie failed here: ${(error as Error).message.split('\n')[0]}\n`);
      return;
    }
    let words = 0;
    const verifyMs = await medianMs(RUNS, async () => {
      const start = performance.now();
      const report = await verifyFile(program);
      if (!report.verified) throw new Error(`${program} did not verify`);
      words = report.plannedWords;
      return performance.now() - start;
    });
    console.log(
      `  verify, glibc static-PIE (${words} planned words)  ${verifyMs.toFixed(0)} ms  ${verifyMs <= TARGETS.verifyMs ? 'met' : 'NOT met'}`,
    );
    const readMs = await medianMs(RUNS, () => readEightMiB(program));
    const rate = EIGHT_MIB / (1 << 20) / (readMs / 1000);
    console.log(
      `  8 MiB read through m packets          ${readMs.toFixed(0)} ms  (${rate.toFixed(1)} MiB/s)  ${readMs <= TARGETS.readMs ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Times the read of 8 MiB of `big` alone, from the program stopped at its entry. */
async function readEightMiB(program: string): Promise<number> {
  const big = new SymbolTable(readElfFile(program)).get('big');
  if (big === undefined) throw new Error('no symbol big');
  const session = await launchQemuSession({ qemu: 'qemu-x86_64', program });
  try {
    const { text: base } = await session.client.offsets();
    const start = performance.now();
    await session.client.readMemory(base + big.value, EIGHT_MIB);
    return performance.now() - start;
  } finally {
    await session.close();
  }
}
