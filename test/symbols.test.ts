/**
 * Names of addresses from a real symbol table, against llvm-nm: the address index is ordered one
 * way when every value lies within 2^32 of the lowest and another when one lies far away (an
 * absolute symbol), and both must name each word as llvm-nm's values and sizes say.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { readElf } from 'piekit';
import { AddressNames } from 'piekit/elf';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireCommand } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';

/** Objects of several sizes, some of size 0 and some sharing an address (an alias). */
const SOURCE = `
int one = 1;
long pair[2] = {1, 2};
char *table[8] = {"a", "b"};
extern char *same[8] __attribute__((alias("table")));
__asm__(".data\\n.globl label\\nlabel:\\n.quad 7\\n.quad 8\\n");
int main(void) { return one + (int)pair[1] + (table[0] != 0); }
`;

const scratch = scratchDirectory('symbols');
beforeAll(async () => {
  await writeFile(scratch.at('names.c'), SOURCE);
});
describe('address names from the symbol table', () => {
  for (const [title, flags] of [
    ['every value within 2^32 of the lowest', []],
    ['an absolute symbol 2^47 away', ['-Wl,--defsym=far_away=0x7f0000000000']],
  ] as const) {
    it(`names each word of .data as llvm-nm -S does, ${title}`, async (context) => {
      await requireCommand(context, 'gcc', 'gcc');
      await requireCommand(context, 'llvm-nm-19', 'llvm-19');
      const file = scratch.at(`names-${flags.length}`);
      await execa('gcc', ['-static-pie', '-O1', '-o', file, scratch.at('names.c'), ...flags]);
      const nm = await execa('llvm-nm-19', ['-S', '--defined-only', file]);
      const symbols = [...nm.stdout.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [dDbBrRtTvVwW] (\S+)$/gm)].map((match) => {
        const value = BigInt(`0x${match[1]}`);
        const size = BigInt(`0x${match[2]}`);
        return { value, end: value + (size === 0n ? 1n : size), name: match[3] as string };
      });
      if (flags.length > 0) expect(nm.stdout, 'llvm-nm lists the absolute symbol').toMatch(/^00007f0000000000 .*far_away$/m);
      const sections = await execa('llvm-readelf-19', ['-S', '-W', file]);
      const data = sections.stdout.match(/\] \.data\s+PROGBITS\s+([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+)/);
      expect(data, 'llvm-readelf lists .data').not.toBeNull();
      const start = BigInt(`0x${data?.[1]}`);
      const elf = readElf(await readFile(file));
      const names = new AddressNames(elf.reader, elf.sectionHeaders);
      const named = new Set<string>();
      for (let address = start; address < start + BigInt(`0x${data?.[2]}`); address += 4n) {
        const holders = symbols.filter((symbol) => symbol.value <= address && address < symbol.end);
        const nearest = holders.reduce((found, symbol) => (symbol.value > found ? symbol.value : found), -1n);
        const found = names.symbol(address);
        if (nearest < 0n) {
          expect(found, `no symbol holds ${address.toString(16)}`).toBeUndefined();
          continue;
        }
        expect(found?.offset).toBe(address - nearest);
        expect(holders.filter((symbol) => symbol.value === nearest).map((symbol) => symbol.name)).toContain(found?.name);
        named.add(found?.name ?? '');
      }
      expect([...named]).toEqual(expect.arrayContaining(['one', 'pair', 'label']));
    });
  }
});
