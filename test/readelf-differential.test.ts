import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import elfy from 'elfy';
import { describe, expect, it } from 'vitest';
import { ElfError, plan, readElf, readElfFile, SOURCES, type Plan } from 'piekit';
import { readelfRelatives, type ListedRelative } from './support/readelf.js';

const LIB_DIR = '/usr/lib/x86_64-linux-gnu';

/** Every regular ELF file of the host's library directory. */
function hostLibraries(): string[] {
  return readdirSync(LIB_DIR)
    .filter((name) => /\.so(\.|$)/.test(name))
    .map((name) => join(LIB_DIR, name))
    .filter((path) => {
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined || !stat.isFile() || stat.size < 64) return false;
      return readFileSync(path).subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    })
    .sort();
}

function plannedRelatives(planned: Plan): ListedRelative[] {
  const { count, targets, addendLow, addendHigh, sources } = planned.writes;
  const relatives: ListedRelative[] = [];
  for (let i = 0; i < count; i++) {
    const offset = planned.layout.start + BigInt(targets[i] as number);
    const addend = BigInt.asIntN(64, (BigInt(addendHigh[i] as number) << 32n) | BigInt(addendLow[i] as number));
    relatives.push({ offset, addend: SOURCES[sources[i] as number] === 'rela' ? addend : undefined });
  }
  return relatives;
}

const key = (relative: ListedRelative): string => `${relative.offset.toString(16)}:${relative.addend?.toString(16) ?? '-'}`;

const libraries = hostLibraries();

if (process.arch !== 'x64') console.log(`readelf differential left out: ${LIB_DIR} holds x86_64 libraries only on an x86_64 host`);

describe(`relative relocations of the ${libraries.length} libraries in ${LIB_DIR} equal GNU readelf's`, () => {
  // The directory holds x86_64 libraries only on an x86_64 host.
  it.skipIf(process.arch !== 'x64')('plans exactly the relative relocations readelf lists, library by library (x86_64 hosts)', async () => {
    expect(libraries.length).toBeGreaterThan(20);
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
    console.log(`compared ${compared} libraries, ${relocations} relative relocations`);
    expect(compared).toBeGreaterThan(20);
  }, 900_000);

  it('reads the header and program header fields elfy reads, below 2^53', () => {
    for (const library of libraries.slice(0, 60)) {
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
