/**
 * ElfReader.includesEach, which looks for the runtime a file carries and for piekit's dump hook,
 * against Buffer.includes of each pattern alone: on random bytes with patterns planted (at the
 * ends, across each other, sharing their first or last bytes) and on real files read lazily, whose
 * search goes through windows of its own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ElfReader, readElfFile } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { requireFile } from './support/environment.js';

const oracle = (bytes: Uint8Array, patterns: readonly Uint8Array[]): boolean[] =>
  patterns.map((pattern) => Buffer.from(bytes).includes(Buffer.from(pattern)));

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

/** A small alphabet makes near misses common: patterns that share blocks with the text but do not occur. */
function randomText(length: number, alphabet: number): Uint8Array {
  return Uint8Array.from(randomBytes(length), (byte) => 0x61 + (byte % alphabet));
}

describe('includesEach', () => {
  it('agrees with Buffer.includes on 2,000 random texts and pattern sets', () => {
    for (let round = 0; round < 2000; round++) {
      const alphabet = 2 + (round % 6);
      const text = randomText(1 + (round % 97) * 13, alphabet);
      const patterns = Array.from({ length: 1 + (round % 8) }, (_, index) => {
        const length = 1 + ((round * 7 + index * 5) % 23);
        // Half the patterns are taken from the text (at its start, end or anywhere), half are random.
        if ((round + index) % 2 === 0 && text.length >= length) {
          const at = index % 3 === 0 ? 0 : index % 3 === 1 ? text.length - length : (round * 31 + index) % (text.length - length + 1);
          return text.slice(at, at + length);
        }
        return randomText(length, alphabet);
      });
      const reader = new ElfReader(text, 'little', 8);
      expect(reader.includesEach(patterns), `round ${round}`).toEqual(oracle(text, patterns));
      const from = round % 5;
      const to = text.length - (round % 7);
      expect(reader.includesEach(patterns, from, to), `round ${round}, bytes ${from} to ${to}`).toEqual(
        oracle(text.subarray(from, Math.max(from, to)), patterns),
      );
    }
  });

  it('finds strings in a library read lazily, across its search windows, as Buffer.includes does', (context) => {
    const library = '/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1';
    requireFile(context, library, 'libllvm19');
    const whole = readFileSync(library);
    // Strings around the 1 MiB window boundaries and far into the file, and strings it does not hold.
    const planted = [1 << 20, (3 << 20) - 5, (40 << 20) + 3, whole.length - 20].map((at) => new Uint8Array(whole.subarray(at - 10, at + 10)));
    const patterns = [...planted, latin1('GLIBC_TUNABLES'), latin1('piekit dump hook, docs/dump-format.md version 1'), latin1('LLVM')];
    const expected = oracle(whole, patterns);
    expect(expected.slice(0, 4)).toEqual([true, true, true, true]);
    expect(readElfFile(library).reader.includesEach(patterns)).toEqual(expected);
  });
});
