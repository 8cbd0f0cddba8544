/**
 * Every architecture of the toolchain table: build the samples with the stub, run them under
 * qemu-user (natively on the host), and compare each dump with the TypeScript plan byte for byte.
 * The results become the README's architecture matrix.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  architectures,
  compareDump,
  emulatorFor,
  plan,
  planJson,
  readElfFile,
  relocate,
  runSample,
  sampleFormats,
  toolchains,
  type Plan,
} from 'piekit';
import { writeMatrix, type MatrixRow } from './support/matrix.js';
import { missingToolchain, onPath } from './support/requirements.js';

const SAMPLES = ['hello', 'tables', 'many'] as const;
const rows = new Map<string, MatrixRow>();

function rowOf(arch: string): MatrixRow {
  let row = rows.get(arch);
  if (row === undefined) {
    row = { planned: 'yes', built: 'not built', runs: '—', verifiedTable: '—', verifiedRelr: '—', tables: '' };
    rows.set(arch, row);
  }
  return row;
}

/** Byte equality of two large documents, reported at the first difference (deep equality is far too slow here). */
function expectSameText(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (Buffer.from(actual).equals(Buffer.from(expected))) return;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (bytes: Uint8Array): string => Buffer.from(bytes.subarray(Math.max(0, at - 80), at + 80)).toString('latin1');
  expect(around(actual), `${what}: first difference at byte ${at}`).toBe(around(expected));
}

function tableKinds(planned: Plan): string {
  const kinds = planned.info.tables.map((table) => table.kind.toUpperCase());
  return [...(planned.localGot === undefined ? [] : ['local GOT']), ...kinds].join(' + ');
}

for (const toolchain of toolchains) {
  const { arch } = toolchain;
  describe(arch, () => {
    it('builds its samples', { timeout: 300_000 }, async (context) => {
      const row = rowOf(arch);
      const missing = await missingToolchain(toolchain);
      if (missing !== undefined) {
        row.built = 'no toolchain';
        console.log(`${arch}: not built: ${missing}`);
        context.skip();
      }
      const make = await execa('make', ['--no-print-directory', 'samples', `ARCH=${arch}`], { reject: false, all: true });
      row.built = make.exitCode === 0 ? 'yes' : 'FAILED';
      expect(make.exitCode, make.all).toBe(0);
    });

    for (const format of sampleFormats(toolchain)) {
      for (const sample of SAMPLES) {
        it(`verifies ${sample}-${format}`, { timeout: 120_000 }, async (context) => {
          const row = rowOf(arch);
          const file = join('samples', 'out', arch, `${sample}-${format}`);
          if (!existsSync(file)) {
            console.log(`${arch}: ${file} was not built (see the build test of ${arch})`);
            context.skip();
          }
          const planned = plan(await readElfFile(file));
          const expectedKind = format === 'relr' ? 'relr' : format;
          expect(planned.info.tables.map((table) => table.kind)).toContain(expectedKind);
          expect(planned.writes.count).toBeGreaterThan(0);
          if (sample === 'many') {
            // The command line must render the largest sample too (one row per relocation).
            const inspected = await execa('node', ['dist/loader/cli/main.js', 'inspect', file], { reject: false });
            expect(inspected.exitCode, inspected.stderr).toBe(0);
            expect(inspected.stdout.split('\n').length).toBeGreaterThan(planned.writes.count);
          }
          const kinds = tableKinds(planned);
          if (!row.tables.split(', ').includes(kinds)) row.tables = row.tables === '' ? kinds : `${row.tables}, ${kinds}`;
          const cell: 'verifiedTable' | 'verifiedRelr' = format === 'relr' ? 'verifiedRelr' : 'verifiedTable';

          // The native engine (the same C core, in-process) must agree with the plan everywhere.
          const base = planned.layout.wordSize === 8 ? 0x7f1234560000n : 0x40000000n;
          const [viaTs, viaNative] = [relocate(planned.elf, base, 'ts'), relocate(planned.elf, base, 'native')];
          expectSameText(planJson(viaNative.plan, viaNative.image, base), planJson(viaTs.plan, viaTs.image, base), `${file}: native vs TypeScript plan`);

          const prefix = emulatorFor(planned.elf);
          if (prefix === undefined || (prefix[0] !== undefined && !(await onPath(prefix[0])))) {
            row.runs = 'no emulator';
            row[cell] = 'no emulator';
            console.log(`${arch}: ${file} planned but not run: ${prefix === undefined ? 'qemu-user 7.2 has no emulator for it' : `${prefix[0]} is not installed (Debian package qemu-user)`}`);
            context.skip();
          }
          row[cell] = 'FAILED';
          const run = await runSample(file, prefix ?? []);
          row.runs = run.dump === undefined ? 'FAILED' : 'yes';
          expect(run.dump, `${file} wrote no dump: ${run.stderr} (exit ${run.exitCode ?? run.signal})`).toBeDefined();
          if (run.dump === undefined) return;
          // Three legs: the stub's own memory, the TypeScript plan and the native engine.
          const comparison = compareDump(planned, run.dump);
          expect(comparison.differences.slice(0, 5)).toEqual([]);
          const native = relocate(planned.elf, run.dump.base, 'native');
          expect(compareDump(native.plan, run.dump, native.image).differences.slice(0, 5)).toEqual([]);
          expect(comparison.comparedBytes).toBeGreaterThan(0);
          expect(run.stdout.trim().split('\n').at(-1), run.stdout).toBe('ok');
          expect(run.exitCode).toBe(0);
          row[cell] = 'yes';
        });
      }
    }
  });
}

afterAll(async () => {
  // A filtered run (vitest -t) knows only some rows: it must not shrink the README's matrix.
  if (toolchains.some((toolchain) => !rows.has(toolchain.arch))) return;
  for (const arch of architectures.map((a) => a.name)) {
    if (!toolchains.some((toolchain) => toolchain.arch === arch)) {
      rows.set(arch, { planned: 'yes', built: 'no toolchain', runs: '—', verifiedTable: '—', verifiedRelr: '—', tables: 'synthetic files only' });
    }
  }
  await writeMatrix(
    'README.md',
    rows,
    '*planned* = planned from synthetic files of every class and byte order (test/synthetic.test.ts). ' +
      '*no emulator*: qemu-user 7.2 has none for the target, so its samples are built and planned only. ' +
      '*no toolchain*: Debian 12 has no compiler for it (LLVM 19 there has no C-SKY target).',
  );
});
