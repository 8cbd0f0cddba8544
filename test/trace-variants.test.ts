/**
 * piekit trace on piekit's own stub, on every architecture qemu-user runs: the unmodified sample is
 * a clean relocation whose dirtied pages are audit's, and three planted startup defects are each
 * caught and named by word and instruction: a read of a relocated global before relocating, a
 * pointer loaded through the GOT before relocating, and every word relocated twice.
 */

import { apply, auditFile, finalWrites, imageFor, plan, readElfFile } from 'piekit';
import { type Arch, architectures, sampleFormats } from 'piekit/elf';
import { type TraceFinding, type TraceReport, traceFile } from 'piekit/trace';
import { describe, expect, it } from 'vitest';
import { requireCommand, requireToolchain, runsHere } from './support/environment.js';
import { builtProgram } from './support/samples.js';
import { GOT_LOAD_FLAGS, GOT_LOAD_PPC64_FLAGS, READ_EARLY_FLAGS, RELOCATE_TWICE_FLAGS } from './support/variants.js';

const RUNNABLE = architectures.filter((arch) => runsHere(arch) && arch.toolchain !== undefined);
/** Where a GOT lives: `.got`, powerpc's `.got2`, ppc64's TOC. */
const GOT_SECTIONS = ['.got', '.got2', '.toc'];

async function build(arch: Arch, variant: string, cflags: readonly string[]): Promise<string> {
  const format = sampleFormats(arch).includes('relr') ? 'relr' : (sampleFormats(arch)[0] as string);
  return builtProgram({ sources: ['samples/hello.c'], arch: arch.name, relr: format === 'relr', dump: false, cflags }, `hello-${variant}`);
}

/** The planted pointers (`pk_planted_pointer = &pk_planted_pointer`, one per file compiled): the words whose planned value is their own address. */
function selfPointers(file: string, base: bigint): bigint[] {
  const planned = plan(readElfFile(file));
  const image = imageFor(planned);
  apply(planned, image, base);
  return finalWrites(planned, image, base)
    .filter((write) => write.value === write.address)
    .map((write) => write.address);
}

function readsBefore(report: TraceReport): TraceFinding[] {
  return report.findings.filter((finding) => finding.kind === 'read before relocation');
}

it('covers the 23 architectures qemu-user runs', () => {
  expect(RUNNABLE).toHaveLength(23);
});

describe('piekit trace on the stub and on planted defects', () => {
  for (const arch of RUNNABLE) {
    it(arch.name, { timeout: 600_000 }, async (context) => {
      await requireToolchain(context, arch);
      await requireCommand(context, arch.emulator?.command ?? `qemu for ${arch.name}`, 'qemu-user');
      const ppc64 = arch.name.startsWith('powerpc64');
      const [plain, readEarly] = await Promise.all([build(arch, 'plain', []), build(arch, 'read-early', READ_EARLY_FLAGS)]);
      const [gotLoad, twice] = await Promise.all([
        build(arch, 'got-load', [...GOT_LOAD_FLAGS, ...(ppc64 ? GOT_LOAD_PPC64_FLAGS : [])]),
        build(arch, 'relocate-twice', RELOCATE_TWICE_FLAGS),
      ]);
      const [clean, early] = await Promise.all([traceFile(plain), traceFile(readEarly)]);

      expect(clean.stop.reached, plain).toBe(true);
      expect(clean.stop.symbol).toBe('piekit_after_relocation');
      expect(clean.findings).toEqual([]);
      expect(clean.words.relocated).toBe(clean.plannedWords);
      expect(clean.clean).toBe(true);
      expect(clean.relocator?.low.symbol?.name).toBe('pk_start_c');
      // At a page-aligned base the pages the stores dirtied are the pages audit predicts.
      expect(clean.relocator?.pagesDirtied).toBe(auditFile(plain, { runtimes: ['spec'] }).cost?.pages.dirtied);

      // The planted global, or (where statics are reached through the GOT: mips, m68k, powerpc)
      // the GOT word that locates it, read by pk_start_c before the relocator stored it.
      const planted = readsBefore(early);
      expect(planted.length, readEarly).toBeGreaterThan(0);
      const first = planted[0];
      const plantedWords = selfPointers(readEarly, early.base);
      expect(plantedWords.length, readEarly).toBeGreaterThan(0);
      expect(plantedWords.includes(first?.word.address ?? 0n) || GOT_SECTIONS.includes(first?.word.section ?? ''), readEarly).toBe(true);
      expect(first?.by?.symbol?.name).toBe('pk_start_c');
      expect(early.clean).toBe(false);

      const [got, again] = await Promise.all([traceFile(gotLoad), traceFile(twice)]);
      // On sparc and sparc64 through the GOT22/GOT10 load the variant writes in asm (GNU ld relaxes GCC's GOTDATA_OP one away).
      const loads = readsBefore(got);
      expect(loads.length, gotLoad).toBeGreaterThan(0);
      expect(GOT_SECTIONS, gotLoad).toContain(loads[0]?.word.section);
      expect(loads[0]?.by?.symbol?.name).toBe('pk_start_c');
      expect(got.clean).toBe(false);

      expect(again.words.writtenTwice, twice).toBe(again.plannedWords);
      const repeated = again.findings.find((finding) => finding.kind === 'written twice');
      expect(repeated?.stores).toBe(2);
      expect(repeated?.by?.symbol?.name).toBe('pk_start_c');
      expect(repeated?.relocatedBy?.count).toBeLessThan(repeated?.by?.count ?? 0n);
      expect(again.clean).toBe(false);
    });
  }
});
