/**
 * Verification must be able to fail: a plan that differs from the stub in one bit, and a stub
 * built with the seed's RELR indexing, are both caught and pinned to the word and the entry.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { plan, readElf, readElfFile } from 'piekit';
import { architectures, hostArch, readRelocation, readRelocationInfo } from 'piekit/elf';
import { buildProgram } from 'piekit/toolchain';
import { emulatorFor } from 'piekit/userland';
import { compareSegments, runSample } from 'piekit/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireEmulator, requireToolchain } from './support/environment.js';
import { SEED_RELR_FLAGS } from './support/variants.js';

const HOST = hostArch()?.name ?? 'x86_64';
let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'piekit-tamper-'));
});

describe('a plan one bit away from the truth', () => {
  it('is reported at the word that RELA entry writes', { timeout: 60_000 }, async () => {
    const file = join(directory, 'tables-rela');
    await buildProgram({ sources: ['samples/tables.c'], arch: HOST, relr: false, dump: true, output: file });
    const run = await runSample(file, emulatorFor(await readElfFile(file)) ?? []);
    expect(run.dump).toBeDefined();
    if (run.dump === undefined) return;

    const bytes = new Uint8Array(await readFile(file));
    const original = readElf(bytes);
    const info = readRelocationInfo(original);
    const table = info.tables.find((candidate) => candidate.kind === 'rela');
    expect(table).toBeDefined();
    if (table === undefined) return;
    const index = Math.floor(table.count / 2);
    const entry = readRelocation(original.reader, info.decoder, table, index);
    expect(entry.relative).toBe(true);

    // Bit 3 of the addend's least significant byte.
    const tampered = bytes.slice();
    const w = original.reader.wordSize;
    const addendAt = table.fileOffset + index * table.entrySize + 2 * w + (original.reader.little ? 0 : w - 1);
    tampered[addendAt] = (tampered[addendAt] ?? 0) ^ 0x08;

    expect(compareSegments(plan(original), run.dump).differences).toEqual([]);
    const comparison = compareSegments(plan(readElf(tampered)), run.dump);
    expect(comparison.differences).toHaveLength(1);
    const [difference] = comparison.differences;
    expect(difference?.vaddr).toBe(entry.offset);
    expect(difference?.address).toBe(run.dump.base + entry.offset);
    expect(difference?.writers).toContain(`rela#${index}`);
    expect((difference?.expected ?? 0n) ^ (difference?.actual ?? 0n)).toBe(8n);
    expect(difference?.symbol?.name).toMatch(/stride|dense|far|middles|pointers/);
  });
});

describe("a stub built with the seed's RELR indexing", () => {
  for (const arch of architectures.filter((candidate) => candidate.toolchain?.formats.relr !== undefined)) {
    it(`fails verify on ${arch.name}, at the words it shifts`, { timeout: 120_000 }, async (context) => {
      await requireToolchain(context, arch);
      const file = join(directory, `tables-relr-seed-${arch.name}`);
      await buildProgram({ sources: ['samples/tables.c'], arch: arch.name, relr: true, dump: true, cflags: SEED_RELR_FLAGS, output: file });
      await requireEmulator(context, readElfFile(file));
      const verify = await execa('node', ['dist/loader/cli/main.js', 'verify', file], { reject: false });
      expect(verify.exitCode, verify.stdout).toBe(1);
      // The dump is written before anything could crash on a wrong pointer: words must differ.
      expect(verify.stdout).toMatch(/\d+ words differ/);
    });
  }
});
