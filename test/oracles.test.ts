/**
 * The rules piekit took from one reading of the specifications, checked against relocators piekit
 * did not write: glibc 2.36's and musl 1.2.3's own startup code, run under qemu's gdbstub on
 * static-PIEs whose dynamic section was edited before they ran, and stopped when their relocator
 * is done (verify's stop points). Their memory then says which reading they follow:
 * - a duplicate tag: the later entry wins;
 * - a negative d_tag whose low bits name DT_RELASZ is no DT_RELASZ (tags compare unsigned);
 * - a tag at or past DT_NUM is no index into the sorted array.
 * (RELR that starts with a bitmap is checked against llvm-readelf-19 in relr-llvm.test.ts; ARC's
 * RELA rule follows glibc's sysdeps/arc/dl-machine.h, cited in synthetic.test.ts, since no ARC
 * emulator runs here.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { plan, readElfFile } from 'piekit';
import { chooseStopPoint, comparePlannedWords, type MemorySnapshot, runToStopPoint, SymbolTable } from 'piekit/verify';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { requireCommand, requireX86_64Host } from './support/environment.js';
import { DT_RELASZ } from './support/gabi.js';
import { Patch, shapeOf } from './support/mutate.js';
import { scratchDirectory } from './support/scratch.js';

const PROGRAM = `#include <stdio.h>
static const char *names[] = { "alpha", "beta", "gamma", "delta" };
static const char *const *tables[] = { names, names + 1, names + 2, names + 3 };
int main(int argc, char **argv) {
  for (int i = 0; i < 4; i++) printf("%s ", *tables[(argc + i) % 4]);
  printf("%s\\n", argv[0] != 0 ? "ok" : "no argv");
  return 0;
}
`;
/** The GNU tag after DT_RELASZ in both linkers' output, which startup code does not read: free to edit. */
const DT_FLAGS_1 = 0x6ffffffbn;
/** glibc applies the first DT_RELACOUNT entries as relative whatever DT_RELASZ says (elf/do-rel.h). */
const DT_RELACOUNT = 0x6ffffff9n;
const DT_NUM = 38n;

const scratch = scratchDirectory('oracles');
const programs: Record<'glibc' | 'musl', string> = { glibc: '', musl: '' };

beforeAll(async () => {
  const source = scratch.at('program.c');
  await writeFile(source, PROGRAM);
  programs.glibc = scratch.at('glibc');
  await execa('gcc', ['-static-pie', '-O2', source, '-o', programs.glibc]);
  programs.musl = await linkMuslStaticPie(source, scratch.at('musl'));
}, 120_000);

async function requireTools(context: TestContext): Promise<void> {
  requireX86_64Host(context);
  await requireCommand(context, 'musl-gcc', 'musl-tools');
  await requireCommand(context, 'qemu-x86_64', 'qemu-user');
}

/**
 * A copy of the program whose DT_FLAGS_1 entry (after DT_RELASZ) becomes `tag` = `value`, and
 * whose DT_RELACOUNT is 0 when asked: glibc trusts that count over DT_RELASZ, musl ignores it.
 */
async function edited(program: string, name: string, tag: bigint, value: bigint, noCount = false): Promise<string> {
  const bytes = new Uint8Array(await readFile(program));
  const shape = shapeOf(bytes);
  const relasz = shape.dyn.findIndex((entry) => entry.tag === DT_RELASZ);
  const free = shape.dyn.findIndex((entry) => entry.tag === DT_FLAGS_1);
  expect(relasz, 'the program has a DT_RELASZ').toBeGreaterThanOrEqual(0);
  expect(free, 'DT_FLAGS_1 follows DT_RELASZ').toBeGreaterThan(relasz);
  const patch = new Patch(bytes, shape).dynTag(free, tag);
  patch.word((shape.dyn[free] as { at: number }).at + shape.wordSize, value);
  if (noCount) patch.dynValue(DT_RELACOUNT, 0n);
  const file = scratch.at(name);
  await writeFile(file, patch.bytes, { mode: 0o755 });
  return file;
}

/**
 * The program's memory when its own relocator is done (or when it faults, if sooner), where
 * `reading` plans its words (by default the program's own plan).
 */
async function memoryAfterRelocation(file: string, reading = plan(readElfFile(file))): Promise<MemorySnapshot> {
  const elf = readElfFile(file);
  const stop = chooseStopPoint(elf, new SymbolTable(elf), undefined, file);
  const outcome = await runToStopPoint({
    elf,
    file,
    qemu: 'qemu-x86_64',
    plan: reading,
    stop,
    base: undefined,
    loader: undefined,
    args: [],
    timeoutMs: 30_000,
  });
  if (outcome.kind !== 'stopped') throw new Error(`${file} did not stop after relocation: ${outcome.kind}`);
  return outcome.snapshot;
}

/** RELA entries the program's DT_RELASZ covers, all relative in these programs. */
function relaEntries(file: string): number {
  const table = plan(readElfFile(file)).tables.find(({ table: candidate }) => candidate.kind === 'rela');
  return table?.table.count ?? 0;
}

for (const libc of ['glibc', 'musl'] as const) {
  describe(`${libc}'s startup code`, () => {
    it('takes the later of two DT_RELASZ entries, as piekit does', { timeout: 120_000 }, async (context) => {
      await requireTools(context);
      const program = programs[libc];
      const half = Math.floor(relaEntries(program) / 2);
      expect(half).toBeGreaterThan(2);
      const file = await edited(program, `${libc}-later-relasz`, DT_RELASZ, BigInt(half * 24), true);
      // Read where the whole table writes: the first value's plan is compared too.
      const memory = await memoryAfterRelocation(file, plan(readElfFile(program)));
      // piekit's plan of the edited file (the later value, half the table) holds in memory...
      const later = comparePlannedWords(plan(readElfFile(file)), memory);
      expect(later.comparedWords).toBe(half);
      expect(later.differences).toEqual([]);
      // ...and the first value's plan (the whole table, the original file's) does not: the other
      // half was left alone.
      const first = comparePlannedWords(plan(readElfFile(program)), memory);
      const unrelocated = first.differences.filter((difference) => difference.kind === 'unrelocated').length;
      expect(unrelocated).toBeGreaterThan(first.comparedWords / 3);
    });

    for (const [name, tag] of [
      ['a negative d_tag whose low bits are DT_RELASZ', (1n << 63n) | DT_RELASZ],
      ['a d_tag past DT_NUM', DT_NUM + DT_RELASZ],
    ] as const) {
      it(`ignores ${name}, as piekit does`, { timeout: 120_000 }, async (context) => {
        await requireTools(context);
        const program = programs[libc];
        const file = await edited(program, `${libc}-tag-${tag.toString(16)}`, tag, 24n);
        // piekit reads the whole table still, and so does the libc: every word relocated, and the
        // program runs as the original does.
        expect(plan(readElfFile(file)).writes.count).toBe(plan(readElfFile(program)).writes.count);
        const comparison = comparePlannedWords(plan(readElfFile(file)), await memoryAfterRelocation(file));
        expect(comparison.differences).toEqual([]);
        const [original, changed] = await Promise.all([execa(program, ['x']), execa(file, ['x'], { reject: false })]);
        expect(changed.exitCode).toBe(0);
        expect(changed.stdout).toBe(original.stdout);
      });
    }
  });
}
