import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectures, readElfFile, readRelocationInfo, sampleFormats } from '../../elf/index.js';
import { packageRoot } from '../../loader/package-root.js';
import { type TraceReport, traceFile } from '../../loader/trace/index.js';
import { verifyFile } from '../../loader/verify/index.js';
import { ZIG_TARGETS, zigProgram } from '../support/zig.js';

const RUNS = 5;
const LDCONFIG = '/usr/sbin/ldconfig';
const TARGETS = { traceMs: 1_000, ofVerify: 2 } as const;

async function medianMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** `piekit trace` of Debian's ldconfig to its first system call, against `verify` of the same file. */
export async function reportTraceTime(): Promise<void> {
  console.log(`piekit trace of ${LDCONFIG} to its first system call, against verify of the same file (median of ${RUNS} runs)`);
  console.log(`targets: <= ${TARGETS.traceMs} ms and <= ${TARGETS.ofVerify}x verify`);
  if (!existsSync(LDCONFIG)) {
    console.log(`  ${LDCONFIG} is missing (Debian package libc-bin)\n`);
    return;
  }
  const traceMs = await medianMs(RUNS, () => traceFile(LDCONFIG));
  const verifyMs = await medianMs(RUNS, () => verifyFile(LDCONFIG));
  const met = traceMs <= TARGETS.traceMs && traceMs <= TARGETS.ofVerify * verifyMs;
  console.log(
    `  trace ${traceMs.toFixed(0)} ms, verify ${verifyMs.toFixed(0)} ms: ${(traceMs / verifyMs).toFixed(2)}x  ${met ? 'met' : 'NOT met'}\n`,
  );
}

function row(name: string, format: string, report: TraceReport): string {
  const relocator = report.relocator;
  if (relocator === undefined) return `  | ${name} | ${format} | no relocating store | | |`;
  const span = relocator.high.pc - relocator.low.pc;
  return (
    `  | ${name} | ${format} | ${relocator.relocations} | ${relocator.loopInstructionsPerRelocation.toFixed(2)} | ` +
    `${relocator.instructionsPerRelocation.toFixed(2)} | ${span} |`
  );
}

const PROGRAM = `#include <stdio.h>
#define ROW(n) &table[n], &table[n + 1], &table[n + 2], &table[n + 3]
static int table[4100];
static int *pointers[] = {
#define R16(n) ROW(n), ROW(n + 4), ROW(n + 8), ROW(n + 12)
#define R256(n) R16(n), R16(n + 16), R16(n + 32), R16(n + 48), R16(n + 64), R16(n + 80), R16(n + 96), R16(n + 112), R16(n + 128), R16(n + 144), R16(n + 160), R16(n + 176), R16(n + 192), R16(n + 208), R16(n + 224), R16(n + 240)
  R256(0), R256(256), R256(512), R256(768), R256(1024), R256(1280), R256(1536), R256(1792),
  R256(2048), R256(2304), R256(2560), R256(2816), R256(3072), R256(3328), R256(3584), R256(3840)
};
int main(int argc, char **argv) { printf("%p\\n", (void *)pointers[argc]); return 0; }
`;

/**
 * Instructions per relocation from the trace: piekit's stub on its `many` sample (131,334
 * relocations) on every architecture qemu runs, in each table format the toolchain writes; glibc
 * 2.36 and musl 1.2.3 on a program with 4,096 pointers where they are built here, and Zig 0.11 on
 * the same in Zig (test/zig/program.zig) on every architecture its PIE startup supports. "loop" counts
 * from the first relocating store to the last; "from entry" from the program's first instruction.
 */
export async function reportTraceInstructions(): Promise<void> {
  const root = packageRoot();
  console.log('Instructions per relocation from piekit trace (stop: after the relocator)');
  console.log('  | relocator | table | relocations | per relocation, loop | per relocation, from entry | store pcs span (bytes) |');
  console.log('  |---|---|---|---|---|---|');
  for (const arch of architectures.filter((candidate) => candidate.emulator !== undefined && candidate.toolchain !== undefined)) {
    for (const format of sampleFormats(arch)) {
      const file = join(root, 'samples', 'out', arch.name, `many-${format}`);
      if (!existsSync(file)) {
        console.log(`  | piekit ${arch.name} | ${format} | not built (make samples-all) | | | |`);
        continue;
      }
      console.log(row(`piekit ${arch.name}`, format.toUpperCase(), await traceFile(file)));
    }
  }
  const directory = mkdtempSync(join(tmpdir(), 'piekit-bench-trace-'));
  try {
    writeFileSync(join(directory, 'prog.c'), PROGRAM);
    const builds: [string, string, string, readonly string[]][] = [
      ['glibc 2.36 x86_64', 'RELA', 'gcc', ['-static-pie']],
      ['glibc 2.36 x86_64', 'RELR', 'gcc', ['-static-pie', '-Wl,-z,pack-relative-relocs']],
      ['glibc 2.36 aarch64', 'RELA', 'aarch64-linux-gnu-gcc', ['-static-pie']],
    ];
    for (const [name, format, compiler, flags] of builds) {
      const output = join(directory, `${compiler}-${format}`);
      try {
        execFileSync(compiler, ['-O2', ...flags, 'prog.c', '-o', output], { cwd: directory, stdio: 'pipe' });
      } catch {
        console.log(`  | ${name} | ${format} | ${compiler} failed here | | | |`);
        continue;
      }
      console.log(row(name, format, await traceFile(output)));
    }
    const musl = '/usr/lib/x86_64-linux-musl';
    try {
      execFileSync('musl-gcc', ['-O2', '-fPIE', '-c', 'prog.c', '-o', 'prog-musl.o'], { cwd: directory, stdio: 'pipe' });
      const libgcc = execFileSync('gcc', ['-print-libgcc-file-name'], { encoding: 'utf8' }).trim();
      const link = [
        '-static-pie',
        '-nostdlib',
        '-o',
        'musl',
        `${musl}/rcrt1.o`,
        `${musl}/crti.o`,
        'prog-musl.o',
        `-L${musl}`,
        '-lc',
        libgcc,
        `${musl}/crtn.o`,
      ];
      execFileSync('gcc', link, { cwd: directory, stdio: 'pipe' });
      console.log(row('musl 1.2.3 x86_64', 'RELA', await traceFile(join(directory, 'musl'))));
    } catch {
      console.log('  | musl 1.2.3 x86_64 | RELA | musl-gcc failed here | | | |');
    }
    if (existsSync(LDCONFIG)) console.log(row('ldconfig (glibc 2.36, Debian)', 'RELR', await traceFile(LDCONFIG)));
    for (const target of ZIG_TARGETS) {
      const name = `Zig 0.11 ${target.arch}`;
      const file = await zigProgram(target, 'zig', { stripped: true }).catch(() => undefined);
      if (file === undefined) {
        console.log(`  | ${name} | | not built (scripts/setup installs Zig into build/zig) | | | |`);
        continue;
      }
      const format = readRelocationInfo(readElfFile(file))
        .tables.map((table) => table.kind.toUpperCase())
        .join('+');
      console.log(row(name, format, await traceFile(file)));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  console.log('');
}
