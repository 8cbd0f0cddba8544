/**
 * `piekit pack` and `piekit unpack` as commands: the report, --dry-run, OUT written whole with
 * FILE's mode and FILE untouched, exit statuses of refusals, usage errors and nothing to do, the
 * file sizes against stat, and the words unpack leaves at its RELA targets as llvm-readelf-19 lists them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { requireCommand } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';
import { rInfo, writeElf } from './synthetic/elf-writer.js';

const PIEKIT = [CLI];
const SAMPLE = join('samples', 'out', 'x86_64');
const scratch = scratchDirectory('convert-cli');

async function piekit(args: readonly string[]) {
  return execa('node', [...PIEKIT, ...args], { reject: false, all: true });
}

async function digest(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Files of the directory that are neither the inputs nor the outputs a test named: temporary leftovers. */
async function leftovers(): Promise<string[]> {
  return (await readdir(scratch.path)).filter((name) => name.startsWith('.'));
}

async function copied(name: string, mode = 0o755): Promise<string> {
  const path = scratch.at(name);
  await copyFile(join(SAMPLE, name), path);
  await chmod(path, mode);
  return path;
}

/** Each R_X86_64_RELATIVE row llvm-readelf-19 lists: its r_offset, its r_addend, and the 8 bytes of FILE the loaded word comes from. */
async function relativeTargets(file: string): Promise<{ offset: bigint; addend: bigint; word: bigint }[]> {
  const listed = (await execa('llvm-readelf-19', ['--relocations', '--segments', '-W', file])).stdout;
  const loads = [...listed.matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)].map(([, offset, vaddr, filesz]) => ({
    offset: BigInt(`0x${offset}`),
    vaddr: BigInt(`0x${vaddr}`),
    filesz: BigInt(`0x${filesz}`),
  }));
  const bytes = await readFile(file);
  return [...listed.matchAll(/^([0-9a-f]{16})\s+[0-9a-f]+\s+R_X86_64_RELATIVE\s+([0-9a-f]+)$/gm)].map(([, offset, addend]) => {
    const vaddr = BigInt(`0x${offset}`);
    const load = loads.find((segment) => vaddr >= segment.vaddr && vaddr + 8n <= segment.vaddr + segment.filesz);
    if (load === undefined) throw new Error(`no file-backed LOAD holds ${offset}`);
    return { offset: vaddr, addend: BigInt(`0x${addend}`), word: bytes.readBigUInt64LE(Number(load.offset + vaddr - load.vaddr)) };
  });
}

describe('piekit pack / unpack', () => {
  it('unpack to RELA zeroes every target word as lld writes it; --keep-addends leaves the link-time value', async (context) => {
    await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
    const file = await copied('tables-relr');
    const zeroed = scratch.at('tables-unpacked');
    const kept = scratch.at('tables-unpacked-kept');
    for (const [out, extra] of [
      [zeroed, []],
      [kept, ['--keep-addends']],
    ] as const) {
      const run = await piekit(['unpack', file, '-o', out, ...extra]);
      expect(run.exitCode, run.all).toBe(0);
    }
    const zeroTargets = await relativeTargets(zeroed);
    const keptTargets = await relativeTargets(kept);
    expect(zeroTargets.length).toBeGreaterThan(100);
    expect(zeroTargets.filter((target) => target.word !== 0n)).toEqual([]);
    expect(keptTargets.map((target) => target.offset)).toEqual(zeroTargets.map((target) => target.offset));
    expect(keptTargets.filter((target) => target.word !== target.addend)).toEqual([]);
    expect(keptTargets.some((target) => target.addend !== 0n)).toBe(true);
  });

  it('the report gives the file sizes before and after as stat gives them, in text and JSON', async () => {
    const file = await copied('hello-relr');
    const out = scratch.at('hello-sized');
    const run = await piekit(['unpack', file, '-o', out, '--json']);
    expect(run.exitCode, run.all).toBe(0);
    const report = JSON.parse(run.stdout) as { fileBytes: { before: number; after: number }; written: string };
    expect(report.fileBytes).toEqual({ before: (await stat(file)).size, after: (await stat(out)).size });
    expect(report.written).toBe(out);
    const packed = scratch.at('hello-packed-sized');
    const text = await piekit(['pack', join(SAMPLE, 'hello-rela'), '-o', packed]);
    expect(text.exitCode, text.all).toBe(0);
    expect(text.stdout).toContain(`file: ${(await stat(join(SAMPLE, 'hello-rela'))).size} -> ${(await stat(packed)).size} bytes`);
  });

  it('packs: prints the tables before and after, the saving and the proof; OUT gets FILE mode, FILE is untouched', async () => {
    const file = await copied('tables-rela', 0o751);
    const before = await digest(file);
    const out = scratch.at('tables-packed');
    const run = await piekit(['pack', file, '-o', out]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(
      /before: RELA 7536 bytes \(314 entries\)\n\s+after: {2}RELR \d+ bytes \(\d+ entries\)\n\s+saved \d+ of 7536 table bytes/,
    );
    expect(run.stdout).toMatch(/proved equivalent at bases 0x10000, 0x7f5a3c000000 and 0xffff800000000000: the same 314 relocated words/);
    expect(run.stdout).toContain(`wrote ${out}`);
    expect((await stat(out)).mode & 0o7777).toBe(0o751);
    expect(await digest(file)).toBe(before);
    expect(await leftovers()).toEqual([]);
    const readelf = await execa('readelf', ['-d', '-W', out]);
    expect(readelf.stdout).toMatch(/\(RELR\)/);
    expect(readelf.stdout).not.toMatch(/\(RELA\)/);
  });

  it('--dry-run prints the same report and writes nothing', async () => {
    const file = await copied('hello-rela');
    const out = scratch.at('never-written');
    const dry = await piekit(['pack', file, '-o', out, '--dry-run']);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toContain('saved 232 of 264 table bytes (87.9%)');
    expect(dry.stdout).not.toContain('wrote');
    expect(existsSync(out)).toBe(false);
    const unpackDry = await piekit(['unpack', join(SAMPLE, 'hello-relr'), '--dry-run']);
    expect(unpackDry.exitCode, unpackDry.all).toBe(0);
    expect(unpackDry.stdout).toContain('after:  RELA 264 bytes (11 entries)');
    expect(await leftovers()).toEqual([]);
  });

  it('unpack --format rel on x86_64 gives REL and says the ABI uses RELA; the result runs here', async () => {
    const file = await copied('hello-relr');
    const out = scratch.at('hello-rel');
    const run = await piekit(['unpack', file, '-o', out, '--format', 'rel']);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain('after:  REL 176 bytes (11 entries)');
    expect(run.stdout).toContain("note: REL is not the table x86_64's psABI uses (RELA)");
    if (process.arch === 'x64') {
      const ran = await execa(out, [], { reject: false });
      expect(ran.stdout.trim().split('\n').at(-1)).toBe('ok');
    }
  });

  it('refuses with exit status 2 and one line naming the reason, writing nothing', async () => {
    const relative = rInfo({ wordSize: 8, endian: 'little', machine: 62 }, 0, 8);
    const irelative = rInfo({ wordSize: 8, endian: 'little', machine: 62 }, 0, 37);
    const crowded = scratch.at('crowded');
    const spec = { wordSize: 8, endian: 'little', machine: 62, data: { vaddr: 0x10000n, bytes: new Uint8Array(64), memsz: 64n } } as const;
    await writeFile(
      crowded,
      writeElf({
        ...spec,
        rela: [
          [0x10000n, relative, 1n],
          [0x10008n, irelative, 2n],
        ],
      }).bytes,
    );
    const out = scratch.at('crowded-out');
    const run = await piekit(['pack', crowded, '-o', out]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^piekit: .*no DT_NULL padding.* \[NO_ROOM\]$/);
    expect(existsSync(out)).toBe(false);
    const conflict = scratch.at('conflict');
    await writeFile(conflict, writeElf({ ...spec, rela: [[0x10008n, irelative, 2n]], relr: [0x10000n] }).bytes);
    const refused = await piekit(['unpack', conflict, '-o', out, '--format', 'rel']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/use --format rela\) \[TABLE_CONFLICT\]$/);
    expect(await leftovers()).toEqual([]);
  });

  it('with nothing to convert, says so, exits 0 and writes OUT as a copy of FILE', async () => {
    const file = await copied('hello-relr');
    const out = scratch.at('hello-relr-copy');
    const run = await piekit(['pack', file, '-o', out]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain('nothing to pack: it has no REL or RELA table');
    expect(run.stdout).toContain(`wrote ${out}, a copy of ${file}`);
    expect(await digest(out)).toBe(await digest(file));
    const unpackRun = await piekit(['unpack', join(SAMPLE, 'hello-rela'), '--dry-run']);
    expect(unpackRun.stdout).toContain('nothing to unpack: it has no RELR table');
  });

  it('usage errors: no OUT, OUT is FILE, an unknown format or option', async () => {
    const file = await copied('hello-rela');
    const before = await digest(file);
    for (const args of [
      ['pack', file],
      ['pack', file, '-o', file],
      ['unpack', file, '-o', scratch.at('x'), '--format', 'relr'],
      ['pack', file, '-o', scratch.at('x'), '--fast'],
      ['unpack'],
    ]) {
      const run = await piekit(args);
      expect(run.exitCode, `${args.join(' ')}: ${run.all}`).toBe(64);
      expect(run.stderr).toMatch(/usage: piekit (un)?pack FILE -o OUT/);
    }
    expect(await digest(file)).toBe(before);
  });
});
