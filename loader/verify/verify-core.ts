import { readElfFile } from '../../elf/index.js';
import type { Engine } from '../engines/index.js';
import { plan } from '../model/index.js';
import { checkBase } from './base-check.js';
import type { MemorySnapshot } from './compare.js';
import { buildReport, comparedRun, comparePlanned, openStaticPie, wordMask } from './compare-run.js';
import { coreBase, readCore } from './core.js';
import { VerifyInputError } from './errors.js';
import type { VerifyReport } from './report.js';
import { linuxSignalName } from './signals.js';
import { wholeFile } from './trap-copy.js';

/** Compares the memory in a core file of FILE (from Linux or qemu-user) with the plan. */
export async function verifyCore(file: string, core: string, options: { readonly engine?: Engine } = {}): Promise<VerifyReport> {
  const elf = openStaticPie(file);
  const coreElf = readElfFile(core);
  const same =
    coreElf.header.machine === elf.header.machine && coreElf.reader.wordSize === elf.reader.wordSize && coreElf.reader.endian === elf.reader.endian;
  if (!same) {
    throw new VerifyInputError(
      `${core} is a core of another architecture (e_machine ${coreElf.header.machine}, ELF${coreElf.header.class} ${coreElf.reader.endian}-endian), ` +
        `${file} is ${elf.arch.name}`,
    );
  }
  const memory = readCore(coreElf, core);
  const base = coreBase(memory, elf, core, file);
  const planned = plan(elf);
  const mismatch = await checkBase(planned, wholeFile(elf), base, async (address, length) => {
    const segment = memory.segments.find(
      (candidate) => address >= candidate.vaddr && address + BigInt(length) <= candidate.vaddr + BigInt(candidate.bytes.length),
    );
    return segment?.bytes.subarray(Number(address - segment.vaddr), Number(address - segment.vaddr) + length);
  });
  if (mismatch !== undefined && mismatch !== 'unchecked') throw new VerifyInputError(`${core} is not a core of ${file}: ${mismatch}`);
  const mask = wordMask(elf);
  // The core's segments at link-time addresses; those below the base wrap far past the image and are left out.
  const snapshot: MemorySnapshot = {
    base,
    segments: memory.segments.map((segment) => ({ vaddr: (segment.vaddr - base) & mask, bytes: segment.bytes })),
  };
  const signalName = memory.signal === undefined ? undefined : linuxSignalName(memory.signal);
  const run = comparedRun(comparePlanned(elf, planned, snapshot, options.engine ?? 'ts'), { reason: 'core', signal: memory.signal, signalName });
  return buildReport(file, elf, 'core', undefined, planned, [run]);
}
