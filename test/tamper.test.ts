/**
 * Verification must be able to fail: a plan that differs from the stub in one bit is caught and
 * pinned to the word and the entry. (A stub built with the seed's RELR indexing fails `piekit
 * verify` in test/audit-real-runs.test.ts, which builds and runs it on every architecture.)
 */
import { readFile } from 'node:fs/promises';
import { plan, readElf, readElfFile } from 'piekit';
import { hostArch, readRelocation, readRelocationInfo } from 'piekit/elf';
import { emulatorFor } from 'piekit/userland';
import { compareSegments, runSample } from 'piekit/verify';
import { describe, expect, it } from 'vitest';
import { builtProgram } from './support/samples.js';

const HOST = hostArch()?.name ?? 'x86_64';

describe('a plan one bit away from the truth', () => {
  it('is reported at the word that RELA entry writes', { timeout: 60_000 }, async () => {
    const file = await builtProgram({ sources: ['samples/tables.c'], arch: HOST, relr: false, dump: true }, 'tables-rela');
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
