/**
 * pack and unpack on every architecture's samples: each conversion proves itself equivalent (the
 * commands refuse to write otherwise), and where an emulator exists the result runs, passes its
 * own pointer checks and `piekit verify` finds its memory equal to the plan byte for byte. The
 * ABI-table samples are packed (m68k, sparc and sparc64 get RELR, which GNU ld cannot give them);
 * the RELR samples are unpacked, and where the linker cannot pack RELR, the packed sample is.
 */
import { existsSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { convertFile, pack, readElfFile, unpack } from 'piekit';
import { type Arch, architectures, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it, type TestContext } from 'vitest';
import { CLI } from './support/cli.js';
import { requireEmulator } from './support/environment.js';
import { makeSamples, samplePath } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';

const PIEKIT = [CLI];
const SAMPLES = ['hello', 'tables', 'many'] as const;
const scratch = scratchDirectory('convert');

/** A copy of a built sample, built first when it is missing: a failed build fails the test. */
async function sample(arch: Arch, name: string): Promise<string> {
  const built = samplePath(arch.name, name);
  if (!existsSync(built)) {
    const make = await makeSamples(arch.name);
    expect(make.ok && existsSync(built), `${built} could not be built: ${make.output.slice(-600)}`).toBe(true);
  }
  const copy = scratch.at(`${arch.name}-${name}`);
  await copyFile(built, copy);
  return copy;
}

function tableKinds(file: string): string[] {
  const elf = readElfFile(file);
  return readRelocationInfo(elf).tables.map((table) => table.kind);
}

/** Runs a converted sample where an emulator exists: its own checks, then `piekit verify`. */
async function runsAndVerifies(context: TestContext, file: string): Promise<void> {
  const prefix = await requireEmulator(context, readElfFile(file));
  const [command, ...rest] = [...prefix, file];
  const run = await execa(command as string, rest, { reject: false, all: true, timeout: 120_000 });
  expect(run.exitCode, run.all).toBe(0);
  expect(run.stdout.trim().split('\n').at(-1), run.all).toBe('ok');
  const verify = await execa('node', [...PIEKIT, 'verify', file], { reject: false, all: true });
  expect(verify.exitCode, verify.all).toBe(0);
  expect(verify.all).toContain('verified');
}

for (const arch of architectures.filter((candidate) => candidate.toolchain !== undefined)) {
  describe(`pack and unpack on ${arch.name}`, () => {
    const hasRelr = arch.toolchain?.formats.relr !== undefined;
    /** Converted files by test name, for the tests that run them. */
    const converted = new Map<string, string>();
    for (const name of SAMPLES) {
      const packing = `packs ${name}-${arch.abiTable} into RELR, proved equivalent`;
      it(packing, { timeout: 600_000 }, async () => {
        const input = await sample(arch, `${name}-${arch.abiTable}`);
        const output = `${input}-packed`;
        const conversion = convertFile(input, output, pack);
        expect(conversion.changed).toBe(true);
        expect(conversion.proof?.relocatedWords).toBeGreaterThan(0);
        expect(tableKinds(output)).toContain('relr');
        expect(conversion.after.reduce((sum, table) => sum + table.bytes, 0)).toBeLessThan(
          conversion.before.reduce((sum, table) => sum + table.bytes, 0),
        );
        converted.set(packing, output);
      });
      it(`runs ${name}-${arch.abiTable} packed, and piekit verify finds its memory as planned`, { timeout: 600_000 }, async (context) => {
        await runsAndVerifies(context, convertedBy(converted, packing));
      });

      const source = hasRelr ? `${name}-relr` : `${name}-${arch.abiTable}, packed,`;
      const unpacking = `unpacks ${source} into ${arch.abiTable.toUpperCase()}, proved equivalent`;
      it(unpacking, { timeout: 600_000 }, async () => {
        let input: string;
        if (hasRelr) {
          input = await sample(arch, `${name}-relr`);
        } else {
          const original = await sample(arch, `${name}-${arch.abiTable}`);
          input = `${original}-to-unpack`;
          convertFile(original, input, pack);
        }
        const output = `${input}-unpacked`;
        const conversion = convertFile(input, output, unpack);
        expect(conversion.changed).toBe(true);
        expect(tableKinds(output)).toEqual([arch.abiTable]);
        converted.set(unpacking, output);
      });
      it(`runs ${source} unpacked, and piekit verify finds its memory as planned`, { timeout: 600_000 }, async (context) => {
        await runsAndVerifies(context, convertedBy(converted, unpacking));
      });
    }
  });
}

/**
 * unpack puts a table that does not fit in the old one into a new PT_LOAD at the file's end; pack
 * of that file gives the space its RELA entries freed back: the segment ends with the RELR table
 * and the file with the sections that followed it. GNU readelf reads the result: the same RELR
 * entries as the sample the linker packed, and a file that ends where its last section does.
 */
describe('pack gives back the freed space at the end of the file', () => {
  for (const arch of architectures.filter((candidate) => ['x86_64', 's390x'].includes(candidate.name))) {
    it(`${arch.name}: many-relr unpacked into a new segment, then packed`, { timeout: 600_000 }, async (context) => {
      const original = await sample(arch, 'many-relr');
      const unpacked = `${original}-unpacked`;
      const unpacking = convertFile(original, unpacked, unpack);
      expect(unpacking.notes.join('\n')).toContain('new read-only PT_LOAD');
      const packed = `${unpacked}-packed`;
      const packing = convertFile(unpacked, packed, pack);
      expect(packing.proof?.relocatedWords).toBeGreaterThan(0);
      expect(packing.notes.join('\n')).toMatch(/the freed table space ended its PT_LOAD \d+ and the loaded file: given back, \d+ bytes/);
      const readelf = async (...args: string[]) => (await execa('readelf', ['-W', ...args, packed])).stdout;
      const entries = async (file: string) =>
        /'\.relr\.dyn' at offset 0x[0-9a-f]+ contains (\d+) entries/.exec((await execa('readelf', ['-rW', file])).stdout)?.[1];
      expect(await entries(packed)).toBe(await entries(original));
      const relr = /\.relr\.dyn\s+RELR\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+)/
        .exec(await readelf('-S'))
        ?.slice(1)
        .map((field) => Number.parseInt(field, 16));
      const loads = [...(await readelf('-l')).matchAll(/LOAD\s+0x([0-9a-f]+) 0x[0-9a-f]+ 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+)/g)];
      const last =
        loads
          .at(-1)
          ?.slice(1)
          .map((field) => Number.parseInt(field, 16)) ?? [];
      expect(last[1]).toBe(last[2]);
      expect((last[0] ?? 0) + (last[1] ?? 0)).toBe((relr?.[0] ?? 0) + (relr?.[1] ?? 0));
      const sections = [...(await readelf('-S')).matchAll(/\]\s+\S+\s+(?!NOBITS)\S+\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+)/g)];
      const lastByte = Math.max(...sections.map((match) => Number.parseInt(match[1] ?? '0', 16) + Number.parseInt(match[2] ?? '0', 16)));
      const { size } = await stat(packed);
      expect(size).toBe(lastByte);
      expect(size).toBeLessThan((await stat(unpacked)).size - (unpacking.after[0]?.bytes ?? 0) / 2);
      await runsAndVerifies(context, packed);
    });
  }
});

function convertedBy(converted: ReadonlyMap<string, string>, test: string): string {
  const file = converted.get(test);
  if (file === undefined) throw new Error(`'${test}' made no file to run`);
  return file;
}
