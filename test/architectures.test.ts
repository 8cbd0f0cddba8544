/**
 * Every architecture with a toolchain: build the samples with the stub, run them under qemu-user
 * (natively on the host), and compare each dump with the TypeScript plan and the native engine
 * byte for byte. The results must equal the README's architecture matrix.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { type Plan, plan, planJson, readElfFile, relocate } from 'piekit';
import { architectures, sampleFormats } from 'piekit/elf';
import { compareSegments, runSample } from 'piekit/verify';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { missing, notApplicable, requireEmulator, requireToolchain } from './support/environment.js';
import { type MatrixRow, RESULTS, readmeMatrix, renderMatrix } from './support/matrix.js';
import { makeSamples } from './support/samples.js';

const SAMPLES = ['hello', 'tables', 'many'] as const;
/** What README.md claims: verified under qemu-user (or natively), and of those, with RELR. */
const VERIFIED_AT_LEAST = 23;
const VERIFIED_RELR_AT_LEAST = 20;

const rows = new Map<string, MatrixRow>(
  architectures.map((arch) => [
    arch.name,
    arch.toolchain === undefined
      ? { built: 'no toolchain', runs: '—', verifiedTable: '—', verifiedRelr: '—', tables: 'synthetic files only' }
      : {
          built: 'not built',
          runs: 'not run',
          verifiedTable: 'not run',
          verifiedRelr: arch.toolchain.formats.relr === undefined ? '—' : 'not run',
          tables: '',
        },
  ]),
);

function row(arch: string): MatrixRow {
  const found = rows.get(arch);
  if (found === undefined) throw new Error(`no matrix row for ${arch}`);
  return found;
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
  const kinds = planned.tables.map(({ table }) => table.kind.toUpperCase());
  return [...(planned.localGot === undefined ? [] : ['local GOT']), ...kinds].join(' + ');
}

for (const arch of architectures.filter((candidate) => candidate.toolchain !== undefined)) {
  describe(arch.name, () => {
    it('builds its samples', { timeout: 300_000 }, async (context) => {
      await requireToolchain(context, arch);
      const make = await makeSamples(arch.name);
      row(arch.name).built = make.ok ? 'yes' : 'FAILED';
      expect(make.ok, make.output).toBe(true);
    });

    for (const format of sampleFormats(arch)) {
      for (const sample of SAMPLES) {
        it(`verifies ${sample}-${format}`, { timeout: 120_000 }, async (context) => {
          const matrix = row(arch.name);
          const cell = format === 'relr' ? 'verifiedRelr' : 'verifiedTable';
          const file = join('samples', 'out', arch.name, `${sample}-${format}`);
          if (!existsSync(file)) missing(context, `${file} was not built (see the build test of ${arch.name})`);
          const planned = plan(readElfFile(file));
          expect(planned.tables.map(({ table }) => table.kind)).toContain(format);
          expect(planned.writes.count).toBeGreaterThan(0);
          if (sample === 'many') {
            // The command line must render the largest sample too (one row per relocation).
            const inspected = await execa('node', [CLI, 'inspect', file], { reject: false });
            expect(inspected.exitCode, inspected.stderr).toBe(0);
            expect(inspected.stdout.split('\n').length).toBeGreaterThan(planned.writes.count);
          }
          const kinds = tableKinds(planned);
          if (!matrix.tables.split(', ').includes(kinds)) matrix.tables = matrix.tables === '' ? kinds : `${matrix.tables}, ${kinds}`;

          // The native engine (the same C core, in-process) must agree with the plan everywhere.
          const base = arch.wordSize === 8 ? 0x7f1234560000n : 0x40000000n;
          const [viaTs, viaNative] = [relocate(planned.elf, base, 'ts'), relocate(planned.elf, base, 'native')];
          expectSameText(
            planJson(viaNative.plan, viaNative.image, base),
            planJson(viaTs.plan, viaTs.image, base),
            `${file}: native vs TypeScript plan`,
          );

          if (arch.emulator === undefined) {
            matrix.runs = 'no emulator';
            matrix[cell] = 'no emulator';
          }
          const prefix = await requireEmulator(context, planned.elf);
          matrix[cell] = 'FAILED';
          const run = await runSample(file, prefix);
          matrix.runs = run.dump === undefined ? 'FAILED' : 'yes';
          expect(run.dump, `${file} wrote no dump: ${run.stderr} (exit ${run.exitCode ?? run.signal})`).toBeDefined();
          if (run.dump === undefined) return;
          // Three legs: the stub's own memory, the TypeScript plan and the native engine.
          const comparison = compareSegments(planned, run.dump);
          expect(comparison.differences.slice(0, 5)).toEqual([]);
          const native = relocate(planned.elf, run.dump.base, 'native');
          expect(compareSegments(native.plan, run.dump, native.image).differences.slice(0, 5)).toEqual([]);
          expect(comparison.comparedWords).toBeGreaterThan(0);
          expect(run.stdout.trim().split('\n').at(-1), run.stdout).toBe('ok');
          expect(run.exitCode).toBe(0);
          if (matrix[cell] === 'FAILED') matrix[cell] = 'yes';
        });
      }
    }
  });
}

describe('the architecture matrix', () => {
  it('counts what README.md claims, and README.md shows exactly this run', (context) => {
    if (Array.from(rows.values()).some((matrix) => matrix.built === 'not built')) {
      notApplicable(context, 'a filtered run: not every architecture was built, so the matrix is incomplete');
    }
    const results = Array.from(rows);
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
    const verified = results.filter(([, matrix]) => matrix.verifiedTable === 'yes').map(([name]) => name);
    const verifiedRelr = results.filter(([, matrix]) => matrix.verifiedRelr === 'yes').map(([name]) => name);
    expect(verified.length, `verified: ${verified.join(' ')}`).toBeGreaterThanOrEqual(VERIFIED_AT_LEAST);
    expect(verifiedRelr.length, `verified with RELR: ${verifiedRelr.join(' ')}`).toBeGreaterThanOrEqual(VERIFIED_RELR_AT_LEAST);
    // After a change of results: `npm run matrix` writes them into README.md, for review.
    expect(readmeMatrix(readFileSync('README.md', 'utf8')), 'README.md matrix (npm run matrix rewrites it from this run)').toBe(
      renderMatrix(results),
    );
  });
});
