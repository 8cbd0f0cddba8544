/**
 * pack and unpack on the host's shared objects, with their built-in proof: libLLVM.so.19.1
 * (311,138 relative RELA entries among 333,568) and a few others. readelf lists the same relative
 * relocations before and after, with every RELA addend in its word once packed, and neither GNU
 * readelf nor llvm-readelf finds anything to complain about.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { convertFile, pack, readElfFile, unpack } from 'piekit';
import { readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { requireCommand, requireFile, requireX86_64Host } from './support/environment.js';
import { LIB_DIR } from './support/libraries.js';
import { readelfRelatives } from './support/readelf.js';
import { scratchDirectory } from './support/scratch.js';

const LLVM = join(LIB_DIR, 'libLLVM.so.19.1');
const OTHERS = [
  ['libc.so.6', 'libc6'],
  ['libstdc++.so.6', 'libstdc++6'],
  ['libz.so.1', 'zlib1g'],
  ['libcrypto.so.3', 'libssl3'],
] as const;
const scratch = scratchDirectory('convert-libraries');

function wordAt(path: string, vaddr: bigint): bigint {
  const elf = readElfFile(path);
  return elf.reader.word(elf.addressMap.fileOffset(vaddr, 8n, 'relocated word'));
}

async function quietReaders(path: string): Promise<void> {
  const gnu = await execa('readelf', ['-a', '-W', path], { reject: false, maxBuffer: 1 << 30 });
  expect(gnu.exitCode).toBe(0);
  expect(gnu.stderr).toBe('');
}

describe('libLLVM.so.19.1', () => {
  /** What the first test packed, for the second to unpack: packing libLLVM takes long enough to do once. */
  let packedByFirst: string | undefined;

  it('packs with its proof; readelf lists the same relative relocations, each addend now in its word', { timeout: 300_000 }, async (context) => {
    requireX86_64Host(context);
    requireFile(context, LLVM, 'libllvm19');
    const packed = scratch.at('libLLVM-packed.so');
    const conversion = convertFile(LLVM, packed, pack);
    expect(conversion.proof?.relocatedWords).toBe(311_138);
    expect(conversion.proof?.otherRelocations).toBe(22_430);
    expect(conversion.after.map((table) => table.kind)).toEqual(['rela', 'relr']);
    const before = await readelfRelatives(LLVM, 'R_X86_64_RELATIVE');
    const after = await readelfRelatives(packed, 'R_X86_64_RELATIVE');
    expect(before).toHaveLength(311_138);
    expect(after.map(({ offset }) => offset).sort(compare)).toEqual(before.map(({ offset }) => offset).sort(compare));
    const elf = readElfFile(packed);
    const misplaced = before.filter(
      ({ offset, addend }) => elf.reader.word(elf.addressMap.fileOffset(offset, 8n, 'relocated word')) !== BigInt.asUintN(64, addend ?? 0n),
    );
    expect(misplaced).toEqual([]);
    await quietReaders(packed);
    packedByFirst = packed;
  });

  it('unpacks what pack made back into the same RELA relocations, in the space pack freed', { timeout: 300_000 }, async (context) => {
    requireX86_64Host(context);
    requireFile(context, LLVM, 'libllvm19');
    const packed = packedByFirst;
    if (packed === undefined) throw new Error('the packing test made no file to unpack');
    const unpacked = scratch.at('libLLVM-unpacked.so');
    const conversion = convertFile(packed, unpacked, unpack);
    expect(conversion.proof?.relocatedWords).toBe(311_138);
    expect(conversion.notes.join('\n')).not.toContain('new read-only PT_LOAD');
    const relatives = (path: string) => readelfRelatives(path, 'R_X86_64_RELATIVE');
    const [original, restored] = await Promise.all([relatives(LLVM), relatives(unpacked)]);
    expect(restored).toEqual(original);
    await quietReaders(unpacked);
  });
});

describe('other shared objects', () => {
  for (const [name, debianPackage] of OTHERS) {
    it(`${name}: converted both ways with proofs, readers stay quiet`, { timeout: 300_000 }, async (context) => {
      requireX86_64Host(context);
      const path = join(LIB_DIR, name);
      requireFile(context, path, debianPackage);
      await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
      // Debian 12 links some libraries (libc.so.6) with RELR already: unpack those first.
      const packedAlready = readRelocationInfo(readElfFile(path)).tables.some((table) => table.kind === 'relr');
      const [first, second] = packedAlready ? [unpack, pack] : [pack, unpack];
      const once = scratch.at(`${name}-once`);
      const firstConversion = convertFile(path, once, first);
      expect(firstConversion.changed).toBe(true);
      const twice = scratch.at(`${name}-twice`);
      const secondConversion = convertFile(once, twice, second);
      expect(secondConversion.changed).toBe(true);
      expect(secondConversion.proof?.relocatedWords).toBe(firstConversion.proof?.relocatedWords);
      const packed = packedAlready ? twice : once;
      const unpacked = packedAlready ? once : twice;
      expect(readRelocationInfo(readElfFile(packed)).tables.some((table) => table.kind === 'relr')).toBe(true);
      expect(readRelocationInfo(readElfFile(unpacked)).tables.some((table) => table.kind === 'relr')).toBe(false);
      for (const file of [packed, unpacked]) {
        await quietReaders(file);
        const llvm = await execa('llvm-readelf-19', ['--relocations', '--dynamic-table', file], { reject: false, maxBuffer: 1 << 30 });
        expect(llvm.exitCode, llvm.stderr).toBe(0);
        expect(llvm.stderr).toBe('');
      }
      const listed = (file: string) => readelfRelatives(file, 'R_X86_64_RELATIVE');
      const [fromPacked, fromUnpacked] = await Promise.all([listed(packed), listed(unpacked)]);
      expect(fromPacked.map(({ offset }) => offset).sort(compare)).toEqual(fromUnpacked.map(({ offset }) => offset).sort(compare));
      // A packed word holds what the RELA entry adds to the base.
      for (const { offset, addend } of fromUnpacked.slice(0, 1000)) expect(wordAt(packed, offset)).toBe(BigInt.asUintN(64, addend ?? 0n));
    });
  }
});

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
