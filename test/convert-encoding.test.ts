/**
 * r_info as pack and unpack write it: the exact inverse of the reader's decoder on every
 * architecture (the RELR encoder is tested in relr-encoding.test.ts).
 */
import { encodeInfo, relativeInfo } from 'piekit/convert';
import { architectures, readElf, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { rInfo, writeElf } from './synthetic/elf-writer.js';

type Arch = (typeof architectures)[number];

/** How piekit's reader decodes an r_info: stored in a synthetic file's one REL entry and read back. */
function decode(arch: Arch, info: bigint): { type: number; symbol: number; relative: boolean } {
  const elf = syntheticWithInfo(arch, info);
  const relocationInfo = readRelocationInfo(elf);
  const table = relocationInfo.tables[0];
  if (table === undefined) throw new Error('no table');
  const at = table.fileOffset + arch.wordSize;
  const low = elf.reader.wordLow(at);
  const high = elf.reader.wordHigh(at);
  const { decoder } = relocationInfo;
  return { type: decoder.type(low, high), symbol: decoder.symbol(low, high), relative: decoder.isRelative(low, high) };
}

function syntheticWithInfo(arch: Arch, info: bigint) {
  const data = new Uint8Array(64);
  const { bytes } = writeElf({
    wordSize: arch.wordSize,
    endian: arch.endian,
    machine: arch.machine,
    data: { vaddr: 0x10000n, bytes: data, memsz: 64n },
    rel: [[0x10000n, info]],
  });
  return readElf(bytes);
}

describe('r_info encoding', () => {
  for (const arch of architectures) {
    it(`is the inverse of the decoder on ${arch.name}`, () => {
      const types = [arch.relativeType, 0, 1, ...(arch.infoLayout === 'mips64' ? [0x12_0303, 0x03_1203, 0xff_ffff] : [0xff])];
      const symbols = [0, 1, 0x1234, arch.infoLayout === 'elf32' ? 0xffffff : 0xffffffff];
      for (const type of types) {
        for (const symbol of symbols) {
          const info = encodeInfo(arch, symbol, type);
          const decoded = decode(arch, info);
          expect({ type: decoded.type, symbol: decoded.symbol }).toEqual({ type, symbol });
        }
      }
    });

    it(`gives a relative r_info on ${arch.name} that the reader takes as relative, as the synthetic writer spells it`, () => {
      const info = relativeInfo(arch);
      expect(decode(arch, info)).toEqual({ type: arch.relativeType, symbol: 0, relative: true });
      // test/synthetic's independent spelling of the same field.
      expect(info).toBe(rInfo({ wordSize: arch.wordSize, endian: arch.endian, machine: arch.machine }, 0, arch.relativeType));
    });
  }
});
