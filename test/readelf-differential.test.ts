/**
 * Every distinct shared object of the host's library directory: the relative relocations piekit
 * plans are exactly those GNU readelf lists, with the same addends; and the header and program
 * headers read equal elfy's reading.
 */
import { readFileSync } from 'node:fs';
import elfy from 'elfy';
import { ElfError, finalWrites, imageFor, type Plan, plan, readElf, readElfFile } from 'piekit';
import { describe, expect, it } from 'vitest';
import { requireX86_64Host } from './support/environment.js';
import { DISTINCT_LIBRARIES_AT_LEAST, distinctElfLibraries, LIB_DIR } from './support/libraries.js';
import { type ListedRelative, readelfRelatives } from './support/readelf.js';

/** At base 0 a word's run-time address is its link-time one and a RELA word's value its addend. */
function plannedRelatives(planned: Plan): ListedRelative[] {
  return finalWrites(planned, imageFor(planned), 0n).map((write) => ({
    offset: write.address,
    addend: write.source.startsWith('rela#') ? BigInt.asIntN(64, write.value) : undefined,
  }));
}

const key = (relative: ListedRelative): string => `${relative.offset.toString(16)}:${relative.addend?.toString(16) ?? '-'}`;

describe(`the distinct libraries of ${LIB_DIR}`, () => {
  it('plan exactly the relative relocations readelf lists, library by library', { timeout: 900_000 }, async (context) => {
    requireX86_64Host(context);
    const libraries = distinctElfLibraries();
    expect(libraries.length).toBeGreaterThanOrEqual(DISTINCT_LIBRARIES_AT_LEAST);
    let compared = 0;
    let relocations = 0;
    for (const library of libraries) {
      let planned: Plan;
      try {
        planned = plan(readElfFile(library));
      } catch (error) {
        // Only files with nothing to relocate may be refused, and readelf must agree they have none.
        expect(error, library).toBeInstanceOf(ElfError);
        expect(await readelfRelatives(library, 'R_X86_64_RELATIVE'), library).toEqual([]);
        continue;
      }
      const listed = (await readelfRelatives(library, 'R_X86_64_RELATIVE')).map(key).sort();
      const ours = plannedRelatives(planned).map(key).sort();
      expect(ours, library).toEqual(listed);
      compared++;
      relocations += ours.length;
    }
    console.log(`compared ${compared} of ${libraries.length} distinct libraries, ${relocations} relative relocations`);
    expect(compared).toBeGreaterThanOrEqual(DISTINCT_LIBRARIES_AT_LEAST - 20);
  });

  it('read the header and program header fields elfy reads, below 2^53', (context) => {
    requireX86_64Host(context);
    for (const library of distinctElfLibraries().slice(0, 60)) {
      const bytes = readFileSync(library);
      const theirs = elfy.parse(bytes);
      const ours = readElf(new Uint8Array(bytes));
      const fields = ['entry', 'phoff', 'shoff', 'flags', 'ehsize', 'phentsize', 'phnum', 'shentsize', 'shnum', 'shstrndx'] as const;
      for (const field of fields) expect(BigInt(ours.header[field]), `${library} ${field}`).toBe(BigInt(theirs[field]));
      expect(ours.programHeaders.length, library).toBe(theirs.body.programs.length);
      ours.programHeaders.forEach((header, index) => {
        const program = theirs.body.programs[index];
        for (const field of ['offset', 'vaddr', 'paddr', 'filesz', 'memsz', 'align'] as const) {
          expect(header[field], `${library} phdr ${index} ${field}`).toBe(BigInt(program?.[field] ?? -1));
        }
      });
    }
  });
});
