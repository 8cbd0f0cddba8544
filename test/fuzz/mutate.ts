/**
 * Seeded mutation of ELF files, each mutant relocated by both engines in this process:
 *   node dist/test/fuzz/mutate.js SEED COUNT FILE...
 * Prints one JSON summary. The engines must agree on every mutant (same plan document and same
 * writable bytes, or the same ElfError code); anything else thrown is a defect. The process
 * itself must not die: the test that runs it fails on any signal or timeout. With
 * PIEKIT_MUTANTS_DIR set, every mutant the engines disagree on is written there.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf, readRelocationInfo } from '../../loader/index.js';
import { outcome } from './outcome.js';

interface Region {
  readonly start: number;
  readonly size: number;
}

function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Where the fields that matter live: header, program headers, dynamic section, tables. */
function regionsOf(bytes: Uint8Array): Region[] {
  const elf = readElf(bytes);
  const w = elf.reader.wordSize;
  const regions: Region[] = [{ start: 0, size: w === 8 ? 64 : 52 }];
  regions.push({ start: Number(elf.header.phoff), size: elf.header.phnum * elf.header.phentsize });
  const info = readRelocationInfo(elf);
  regions.push({ start: Number(info.dynamic.header.offset), size: Number(info.dynamic.header.filesz) });
  for (const table of info.tables) regions.push({ start: table.fileOffset, size: Math.min(Number(table.size), 4096) });
  return regions.filter((region) => region.size > 0 && region.start + region.size <= bytes.length);
}

const [seedText, countText, ...files] = process.argv.slice(2);
const seed = Number(seedText);
const count = Number(countText);
const random = xorshift(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const inputs = files.map((file) => {
  const bytes = new Uint8Array(readFileSync(file));
  return { file, bytes, regions: regionsOf(bytes), wordSize: bytes[4] === 2 ? 8 : 4, little: bytes[5] === 1 };
});
const BOUNDARIES = [0n, 1n, 2n, 3n, 8n, 0x7fn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 63n, (1n << 64n) - 1n];

const results = new Map<string, number>();
const disagreements: string[] = [];
const defects: string[] = [];
for (let i = 0; i < count; i++) {
  const input = pick(inputs);
  const bytes = input.bytes.slice();
  const edits = 1 + Math.floor(random() * 3);
  for (let edit = 0; edit < edits; edit++) {
    const region = pick(input.regions);
    const at = region.start + Math.floor(random() * region.size);
    if (random() < 0.5) {
      bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(random() * 8));
      continue;
    }
    const aligned = at - (at % input.wordSize);
    const near = pick([BigInt(bytes.length), BigInt(bytes.length - 1), BigInt(aligned)]);
    const value = BigInt.asUintN(input.wordSize * 8, random() < 0.7 ? pick(BOUNDARIES) : near);
    const view = new DataView(bytes.buffer);
    if (aligned + input.wordSize > bytes.length) continue;
    if (input.wordSize === 8) view.setBigUint64(aligned, value, input.little);
    else view.setUint32(aligned, Number(value), input.little);
  }
  const ts = outcome(bytes, 'ts');
  const native = outcome(bytes, 'native');
  const key = ts.startsWith('ok') ? 'ok' : ts;
  results.set(key, (results.get(key) ?? 0) + 1);
  const where = `seed ${seed} mutant ${i} of ${input.file}`;
  if (ts !== native) {
    disagreements.push(`${where}: ts ${ts}, native ${native}`);
    const keep = process.env.PIEKIT_MUTANTS_DIR;
    if (keep !== undefined) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, `seed-${seed}-mutant-${i}`), bytes);
    }
  }
  for (const result of [ts, native]) if (result.startsWith('defect')) defects.push(`${where}: ${result}`);
}
console.log(JSON.stringify({ seed, count, outcomes: Object.fromEntries(results), disagreements: disagreements.slice(0, 20), defects: defects.slice(0, 20), disagreementCount: disagreements.length, defectCount: defects.length }));
