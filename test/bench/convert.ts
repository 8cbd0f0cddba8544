import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfFile } from '../../elf/index.js';
import { type Conversion, convertFile, pack, totalBytes, unpack } from '../../loader/convert/index.js';
import { commandMs, medianMs } from './timing.js';

const LIBLLVM = '/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1';

interface SizeRow {
  readonly file: string;
  readonly command: 'pack' | 'unpack';
  readonly before: number;
  readonly after: number;
}

function sizes(file: string, conversion: Conversion): SizeRow {
  return { file, command: conversion.command, before: totalBytes(conversion.before), after: totalBytes(conversion.after) };
}

/** Every sample converted the way it can be: the ABI's table packed, RELR unpacked. */
function sampleSizes(samples: string): SizeRow[] {
  const rows: SizeRow[] = [];
  for (const arch of readdirSync(samples, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const name of readdirSync(join(samples, arch.name)).sort()) {
      const file = join(samples, arch.name, name);
      const conversion = name.endsWith('-relr') ? unpack(readElfFile(file)) : pack(readElfFile(file));
      if (conversion.changed) rows.push(sizes(`${arch.name}/${name}`, conversion));
    }
  }
  return rows;
}

function printSizes(rows: readonly SizeRow[]): void {
  console.log('piekit pack / unpack: relocation table bytes before and after');
  const width = Math.max(...rows.map((row) => row.file.length));
  for (const row of rows) {
    const change = row.after - row.before;
    const percent = ((Math.abs(change) * 100) / row.before).toFixed(1);
    console.log(
      `  ${row.file.padEnd(width)}  ${row.command.padEnd(6)}  ${String(row.before).padStart(9)} -> ${String(row.after).padStart(9)} bytes  ` +
        `(${change <= 0 ? `-${percent}` : `+${percent}`}%)`,
    );
  }
  console.log();
}

/**
 * Packing libLLVM.so.19.1 from its path. The 1 s target covers what `piekit pack` does apart from
 * its proof: reading what it needs of FILE, planning, choosing the entries, encoding RELR and
 * building OUT (the changed chunks over FILE), and writing OUT (a kernel copy of FILE plus those
 * chunks). The proof, which plans and relocates both files at three bases, is timed on its own.
 */
function timeLibLLVM(runs: number, cli: string): void {
  const directory = mkdtempSync(join(tmpdir(), 'piekit-bench-convert-'));
  try {
    const out = join(directory, 'libLLVM-packed.so');
    let conversion: Conversion | undefined;
    const inMemoryMs = medianMs(runs, () => {
      conversion = pack(readElfFile(LIBLLVM));
    });
    const totals: number[] = [];
    const proofs: number[] = [];
    for (let run = 0; run <= runs; run++) {
      rmSync(out, { force: true });
      const start = performance.now();
      const proof = convertFile(LIBLLVM, out, pack).proof?.milliseconds ?? 0;
      // The first run warms up, as medianMs's does.
      if (run === 0) continue;
      totals.push(performance.now() - start);
      proofs.push(proof);
    }
    const shellMs = commandMs(runs, process.execPath, [cli, 'pack', LIBLLVM, '-o', out]);
    if (conversion !== undefined) console.log(sizesLine(conversion));
    console.log(`  pack in memory, proof included         ${inMemoryMs.toFixed(0)} ms`);
    console.log(`  pack and write OUT, proof included     ${median(totals).toFixed(0)} ms`);
    console.log(`    the proof alone                      ${median(proofs).toFixed(0)} ms`);
    console.log(
      `    pack and write OUT without the proof ${median(totals.map((total, i) => total - (proofs[i] ?? 0))).toFixed(0)} ms  (target <= 1000 ms)`,
    );
    console.log(`  piekit pack FILE -o OUT (shell, cold)  ${shellMs.toFixed(0)} ms\n`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function sizesLine(conversion: Conversion): string {
  const before = totalBytes(conversion.before);
  const after = totalBytes(conversion.after);
  return `  ${LIBLLVM}: ${before} -> ${after} table bytes (-${(((before - after) * 100) / before).toFixed(1)}%), ${conversion.proof?.relocatedWords} relative relocations`;
}

/** Table sizes of every sample and of libLLVM.so.19.1, and the time to pack libLLVM (median of `runs`). */
export function reportConversions(root: string, cli: string, runs = 5): void {
  const samples = join(root, 'samples', 'out');
  const rows = existsSync(samples) ? sampleSizes(samples) : [];
  if (existsSync(LIBLLVM)) rows.push(sizes(LIBLLVM, pack(readElfFile(LIBLLVM))));
  printSizes(rows);
  if (!existsSync(LIBLLVM)) {
    console.log(`${LIBLLVM} is missing (Debian package libllvm19; bash scripts/setup installs it)\n`);
    return;
  }
  console.log(`piekit pack on ${LIBLLVM} (median of ${runs} runs)`);
  timeLibLLVM(runs, cli);
}
