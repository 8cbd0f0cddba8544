/**
 * The runtime models as data and one interpreter: the `spec` record reproduces piekit's plan on
 * every built sample, and each behaviour the records name shows on a synthetic file made for it
 * (test/synthetic/elf-writer.ts), compared with what the cited code does.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { plan, readElf, readElfFile } from 'piekit';
import { type AuditReport, auditBytes, auditElf, fileContext, modelImage, type RuntimeName, runModel, runtime, snapshotOf } from 'piekit/audit';
import { compareSegments } from 'piekit/verify';
import { describe, expect, it } from 'vitest';
import { DT_MIPS_LOCAL_GOTNO, DT_PLTGOT, DT_RELAENT, DT_RELASZ, DT_RELRENT } from './support/gabi.js';
import { encodeWords, rInfo, type SyntheticElf, type Target, writeElf } from './synthetic/elf-writer.js';

const SAMPLES = 'samples/out';

function sampleFiles(): string[] {
  if (!existsSync(SAMPLES)) return [];
  return readdirSync(SAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => readdirSync(join(SAMPLES, entry.name)).map((file) => join(SAMPLES, entry.name, file)))
    .filter((file) => /-(rel|rela|relr)$/.test(file));
}

describe('the spec record', () => {
  it('writes what the plan writes, in the same order, on every sample of every architecture', () => {
    const files = sampleFiles();
    expect(files.length).toBeGreaterThan(60);
    for (const file of files) {
      const elf = readElfFile(file);
      const planned = plan(elf);
      const run = runModel(fileContext(elf), runtime('spec'));
      expect(run.status, file).toBe('runs');
      if (run.status !== 'runs') continue;
      const a = planned.writes;
      const b = run.writes;
      expect(b.count, file).toBe(a.count);
      expect(Buffer.from(b.targets.buffer, 0, b.count * 4).equals(Buffer.from(a.targets.buffer, 0, a.count * 4)), file).toBe(true);
      expect(Buffer.from(b.kinds.subarray(0, b.count)).equals(Buffer.from(a.kinds.subarray(0, a.count))), file).toBe(true);
    }
  });
});

describe("the audit's comparison", () => {
  // The audit finds a run's differing words a block at a time and tells most apart from word
  // views; verify's comparison takes every word through its classification one by one.
  it("counts each model's differing words by kind as verify classifies the model's memory, on every sample of every architecture", () => {
    const files = sampleFiles();
    expect(files.length).toBeGreaterThan(60);
    const seen = { unrelocated: 0, shifted: 0, other: 0, runs: 0 };
    for (const file of files) {
      const elf = readElfFile(file);
      const planned = plan(elf);
      // Words of read-only segments (text relocations) are the audit's alone: verify compares the writable segments.
      if (planned.textRelocations.length > 0) continue;
      const report = auditElf(elf, file);
      const context = fileContext(elf);
      const base = BigInt(report.base);
      const writable = planned.layout.segments.filter((segment) => segment.writable);
      for (const judged of report.runtimes) {
        if (judged.differences === null) continue;
        const run = runModel(context, runtime(judged.runtime));
        if (run.status !== 'runs') continue;
        const verified = compareSegments(planned, snapshotOf(modelImage(context, run, base), writable, base));
        const { overwritten, ...byKind } = verified.counts;
        expect(overwritten, `${file} ${judged.runtime}`).toBe(0);
        expect(judged.differences, `${file} ${judged.runtime}`).toEqual(byKind);
        expect(judged.differingWords, `${file} ${judged.runtime}`).toBe(verified.differing);
        seen.unrelocated += byKind.unrelocated;
        seen.shifted += byKind.shifted;
        seen.other += byKind.other;
        seen.runs++;
      }
    }
    expect(seen.runs).toBeGreaterThan(500);
    expect(seen.unrelocated).toBeGreaterThan(0);
    expect(seen.shifted).toBeGreaterThan(0);
    expect(seen.other).toBeGreaterThan(0);
  });
});

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const DATA = 0x2000n;
const R_X86_64_NONE = 0;
const R_X86_64_64 = 1;
const R_X86_64_RELATIVE = 8;
const R_X86_64_IRELATIVE = 37;
const DT_RELACOUNT = 0x6ffffff9n;
const DT_REL = 17n;
const DT_RELSZ = 18n;
const DT_RELENT = 19n;

/** A data segment of `words` words at DATA holding `values` (the rest zero). */
function data(target: Target, words: number, values: readonly bigint[] = []): SyntheticElf['data'] {
  const all = Array.from({ length: words }, (_, i) => values[i] ?? 0n);
  return { vaddr: DATA, bytes: encodeWords(target, all), memsz: BigInt(words * target.wordSize) };
}

const word = (index: number, target: Target = X86_64): bigint => DATA + BigInt(index * target.wordSize);

function audit(spec: SyntheticElf): AuditReport {
  return auditBytes(writeElf(spec).bytes, 'synthetic');
}

function statuses(report: AuditReport): Record<string, string> {
  return Object.fromEntries(report.runtimes.map((runtime) => [runtime.runtime, runtime.status]));
}

function runtimeOf(report: AuditReport, name: RuntimeName): AuditReport['runtimes'][number] {
  const found = report.runtimes.find((runtime) => runtime.runtime === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

describe('RELR', () => {
  const relr = (entries: bigint[]): SyntheticElf => ({ ...X86_64, data: data(X86_64, 200), relr: entries });

  it('musl 1.2.3, glibc 2.35 and Zig 0.11 leave it; the seed shifts bitmap words by one', () => {
    const report = audit(relr([word(0), 0b1111n]));
    expect(statuses(report)).toMatchObject({
      spec: 'safe',
      'glibc-2.36': 'safe',
      'glibc-2.35': 'breaks',
      'musl-1.2.4': 'safe',
      'musl-1.2.3': 'breaks',
      'zig-0.11': 'breaks',
      'zig-pie': 'breaks',
      origin: 'safe',
      elfldltl: 'safe',
      limine: 'safe',
    });
    expect(runtimeOf(report, 'musl-1.2.3')).toMatchObject({ differences: { unrelocated: 4 }, reason: 'no RELR: 4 words left unrelocated' });
    // Bits 1..3 relocate words 1..3; the seed relocates 2..4: word 1 stays, word 4 (in no
    // relocation) gets a base; the words between are right.
    expect(runtimeOf(report, 'zig-pie').differences).toMatchObject({ unrelocated: 1, shifted: 0, other: 1 });
    expect(report.verdict).toMatch(
      /^safe under spec, glibc-2.36, musl-1.2.4, origin, elfldltl, limine; breaks under glibc-2.35 \(no RELR: 4 words left unrelocated\)/,
    );
  });

  it('a bitmap before any address: glibc, musl, origin fault, elfldltl rejects, the seed is undefined, Limine and piekit count from 0', () => {
    const report = audit(relr([0b11n, word(0)]));
    expect(statuses(report)).toMatchObject({
      'glibc-2.36': 'refuses',
      'musl-1.2.4': 'refuses',
      origin: 'refuses',
      elfldltl: 'refuses',
      'zig-pie': 'undefined',
      limine: 'safe',
    });
    expect(runtimeOf(report, 'glibc-2.36').reason).toMatch(/bitmap before any address/);
    expect(report.hazards.map((hazard) => hazard.id)).toContain('relr-leading-bitmap');
    // The word it relocates from address 0 lies in the read-only first segment.
    expect(report.hazards.find((hazard) => hazard.id === 'text-relocations')).toMatchObject({ severity: 'error', count: 1 });
  });
});

describe('RELA', () => {
  it("Zig 0.11 adds base + addend to the word ('+='), which differs where the word is not zero", () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4, [0x1234n]),
      rela: [
        [word(0), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x100n],
        [word(1), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x200n],
      ],
    });
    expect(runtimeOf(report, 'zig-0.11')).toMatchObject({ status: 'breaks', differences: { other: 1, unrelocated: 0 } });
    expect(runtimeOf(report, 'zig-0.11').words[0]).toMatchObject({ vaddr: '0x2000', kind: 'other' });
    expect(runtimeOf(report, 'musl-1.2.4').status).toBe('safe');
  });

  it('a word in both RELA and RELR: glibc applies RELR first and ends with base + addend, musl adds the base twice', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4),
      rela: [[word(0), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x100n]],
      relr: [word(0)],
    });
    expect(runtimeOf(report, 'musl-1.2.4').status).toBe('safe');
    expect(runtimeOf(report, 'glibc-2.36')).toMatchObject({ status: 'breaks', differences: { other: 1 } });
    expect(report.hazards.find((hazard) => hazard.id === 'written-twice')).toMatchObject({ severity: 'error', entries: ['rela#0+relr#0'] });
  });

  it('glibc and elfldltl apply the first DT_RELACOUNT entries as relative without looking at their type', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4),
      rela: [
        [word(0), rInfo(X86_64, 1, R_X86_64_64), 0x10n],
        [word(1), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n],
      ],
      dynamic: [[DT_RELACOUNT, 1n]],
    });
    expect(runtimeOf(report, 'glibc-2.36')).toMatchObject({ status: 'breaks', differences: { other: 1 } });
    expect(runtimeOf(report, 'elfldltl').status).toBe('breaks');
    expect(runtimeOf(report, 'spec')).toMatchObject({ status: 'breaks', leftAlone: { symbolic: 1 } });
    expect(report.hazards.map((hazard) => hazard.id)).toEqual(expect.arrayContaining(['relative-count', 'entries-symbolic']));
  });

  it('origin traps on R_X86_64_NONE and IRELATIVE, elfldltl ignores NONE, glibc resolves IRELATIVE', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4),
      rela: [
        [word(0), rInfo(X86_64, 0, R_X86_64_NONE), 0n],
        [word(1), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n],
      ],
    });
    expect(runtimeOf(report, 'origin')).toMatchObject({ status: 'refuses', reason: 'stops at rela#0: R_X86_64_NONE' });
    expect(runtimeOf(report, 'elfldltl').status).toBe('safe');
    const irelative = audit({ ...X86_64, data: data(X86_64, 4), rela: [[word(0), rInfo(X86_64, 0, R_X86_64_IRELATIVE), 0x1000n]] });
    // The plan lists IRELATIVE entries as resolved at run time, so the spec counts them as applied.
    expect(statuses(irelative)).toMatchObject({ 'glibc-2.36': 'safe', 'musl-1.2.4': 'breaks', spec: 'safe', origin: 'refuses' });
    expect(runtimeOf(irelative, 'glibc-2.36').applied).toEqual({ R_X86_64_IRELATIVE: 1 });
    expect(irelative.hazards[0]).toMatchObject({ id: 'entries-irelative', severity: 'warning', entries: ['rela#0'] });
  });

  it('a wrong DT_RELAENT: piekit refuses, musl never reads it, glibc asserts, and the audit goes on', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4),
      rela: [[word(0), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n]],
      dynamic: [[DT_RELAENT, 16n]],
    });
    expect(runtimeOf(report, 'spec')).toMatchObject({ status: 'refuses', reason: expect.stringMatching(/\[BAD_ENTRY_SIZE\]$/) });
    expect(statuses(report)).toMatchObject({ 'musl-1.2.4': 'not compared', 'glibc-2.36': 'refuses', origin: 'refuses', elfldltl: 'refuses' });
    expect(report.hazards[0]).toMatchObject({ id: 'entry-size', severity: 'error' });
    expect(report.safe).toBe(false);
  });

  it('a size that is not a whole number of entries: musl and origin run off the table, Zig rounds down', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4),
      rela: [[word(0), rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n]],
      dynamic: [[DT_RELASZ, 28n]],
    });
    expect(statuses(report)).toMatchObject({
      spec: 'refuses',
      'musl-1.2.4': 'refuses',
      origin: 'refuses',
      'zig-0.11': 'not compared',
      'glibc-2.36': 'undefined',
    });
    expect(runtimeOf(report, 'musl-1.2.4').reason).toMatch(/never reaches the end/);
    expect(report.hazards.map((hazard) => hazard.id)).toContain('table-size');
  });
});

describe('REL on x86_64 and text relocations', () => {
  it('glibc is built without REL support on x86_64 (ELF_MACHINE_NO_REL): it never reads DT_REL', () => {
    const report = audit({
      ...X86_64,
      data: data(X86_64, 4, [0x40n]),
      rel: [[word(0), rInfo(X86_64, 0, R_X86_64_RELATIVE)]],
      dynamic: [[DT_RELENT, 16n]],
    });
    expect(runtimeOf(report, 'glibc-2.36')).toMatchObject({ status: 'breaks', differences: { unrelocated: 1 }, ignoredTables: ['DT_REL'] });
    expect(runtimeOf(report, 'musl-1.2.4').status).toBe('safe');
  });

  it('a write into the read-only segment: the user-space relocators fault, Limine writes its buffer', () => {
    const report = audit({ ...X86_64, data: data(X86_64, 4), rela: [[0x10n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n]] });
    expect(statuses(report)).toMatchObject({ spec: 'safe', 'musl-1.2.4': 'refuses', 'glibc-2.36': 'refuses', limine: 'safe' });
    expect(report.hazards.find((hazard) => hazard.id === 'text-relocations')?.message).toMatch(/neither DT_TEXTREL nor DF_TEXTREL says so/);
  });

  it('a write outside every PT_LOAD: every relocator faults, Limine skips it', () => {
    const report = audit({ ...X86_64, data: data(X86_64, 4), rela: [[0x100000n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n]] });
    expect(statuses(report)).toMatchObject({ spec: 'refuses', 'musl-1.2.4': 'refuses', limine: 'not compared' });
    expect(report.hazards.find((hazard) => hazard.id === 'outside-segments')).toMatchObject({ entries: ['rela#0'], addresses: ['0x100000'] });
  });
});

describe('tags', () => {
  it('the seed compares d_tag signed: a negative tag indexes its array out of bounds', () => {
    const report = audit({ ...X86_64, data: data(X86_64, 4), relr: [word(0)], dynamic: [[-5n, 0n]] });
    expect(runtimeOf(report, 'zig-pie')).toMatchObject({ status: 'undefined', reason: expect.stringMatching(/d_tag -5/) });
    expect(runtimeOf(report, 'spec').status).toBe('safe');
  });

  it('Limine panics on DT_RELRENT other than 8', () => {
    const report = audit({ ...X86_64, data: data(X86_64, 4), relr: [word(0)], dynamic: [[DT_RELRENT, 16n]] });
    expect(runtimeOf(report, 'limine')).toMatchObject({ status: 'refuses', reason: 'stops: DT_RELRENT = 16, it requires 8' });
  });
});

describe('MIPS', () => {
  const MIPSEL: Target = { wordSize: 4, endian: 'little', machine: 8 };
  const R_MIPS_REL32 = 3;
  it('the seed looks for type 128 and takes the first DT_MIPS_LOCAL_GOTNO; the others do not exist for MIPS', () => {
    const got = word(0, MIPSEL);
    const report = audit({
      ...MIPSEL,
      data: data(MIPSEL, 16, [0x100n, 0x104n, 0x108n, 0x10cn, 0x44n]),
      rel: [[word(4, MIPSEL), rInfo(MIPSEL, 0, R_MIPS_REL32)]],
      dynamic: [
        [DT_PLTGOT, got],
        [DT_MIPS_LOCAL_GOTNO, 2n],
        [DT_MIPS_LOCAL_GOTNO, 4n],
      ],
    });
    expect(statuses(report)).toMatchObject({
      spec: 'safe',
      'musl-1.2.4': 'safe',
      'zig-pie': 'breaks',
      'glibc-2.36': 'unsupported',
      'zig-0.11': 'unsupported',
      origin: 'unsupported',
      elfldltl: 'unsupported',
      limine: 'unsupported',
    });
    // Local GOT words 2 and 3 (the seed counts 2, the last tag says 4) and the REL32 word.
    expect(runtimeOf(report, 'zig-pie').differences).toMatchObject({ unrelocated: 3 });
    expect(report.verdict.split('\n')[1]).toBe('not for mipsel: glibc-2.36, glibc-2.35, zig-0.11, origin, elfldltl, limine');
    // Under the default selection a runtime that does not exist for the file does not count.
    expect(report.safe).toBe(false);
    const chosen = auditBytes(writeElf({ ...MIPSEL, data: data(MIPSEL, 4), rel: [[word(0, MIPSEL), rInfo(MIPSEL, 0, R_MIPS_REL32)]] }).bytes, 'x', {
      runtimes: ['spec', 'musl-1.2.4'],
    });
    expect(chosen.safe).toBe(true);
  });
});

describe('program headers', () => {
  it('overlapping PT_LOADs: Limine panics, piekit refuses, the rest cannot be laid out', () => {
    const { bytes } = writeElf({ ...X86_64, data: data(X86_64, 4), relr: [word(0)] });
    // Pull the data segment's p_vaddr back onto the first segment (ELF64 p_vaddr of header 1).
    const patched = bytes.slice();
    const view = new DataView(patched.buffer);
    view.setBigUint64(64 + 56 + 16, 0x100n, true);
    const report = auditBytes(patched, 'overlap');
    expect(runtimeOf(report, 'limine')).toMatchObject({ status: 'refuses', reason: 'panics: PT_LOAD 0 and PT_LOAD 1 overlap' });
    expect(runtimeOf(report, 'spec')).toMatchObject({ status: 'refuses', reason: expect.stringMatching(/BAD_SEGMENT/) });
    expect(report.hazards.find((hazard) => hazard.id === 'load-overlap')).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/^PT_LOAD 0 .* and PT_LOAD 1 .* overlap$/),
    });
    expect(report.cost).toBeNull();
  });

  it('an ET_EXEC file is not auditable: the reader refuses it', () => {
    const { bytes } = writeElf({ ...X86_64, data: data(X86_64, 4), relr: [word(0)] });
    const exec = bytes.slice();
    new DataView(exec.buffer).setUint16(16, 2, true);
    expect(() => auditBytes(exec, 'exec')).toThrow(expect.objectContaining({ code: 'NOT_PIE' }));
    expect(() => readElf(exec)).not.toThrow();
  });
});

describe('REL tags without tables', () => {
  it('musl walks DT_RELSZ from base + 0 when DT_REL is absent; origin reads the null pointer', () => {
    const report = audit({ ...X86_64, data: data(X86_64, 4), relr: [word(0)], dynamic: [[DT_RELSZ, 16n]] });
    expect(runtimeOf(report, 'origin')).toMatchObject({
      status: 'refuses',
      reason: 'faults: DT_RELSZ = 16 without DT_REL reads entries at the null pointer',
    });
    expect(runtimeOf(report, 'spec').status).toBe('safe');
    expect(DT_REL).toBe(17n);
  });
});
