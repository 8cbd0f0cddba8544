/**
 * Whether a file carries piekit's dump hook: apart from running samples (dump.ts), so that what
 * only asks (audit's carried runtime, pack's judgement of it) loads nothing that spawns processes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ElfFile, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS } from '../../elf/index.js';
import { packageRoot } from '../package-root.js';

let marker: Buffer | undefined;

/** PIEKIT_DUMP_MARKER, as startup/piekit.h defines it for startup/dump.c: the string is said once, there. */
function dumpMarker(): Buffer {
  if (marker !== undefined) return marker;
  const header = readFileSync(join(packageRoot(), 'startup', 'piekit.h'), 'latin1');
  const text = /#define PIEKIT_DUMP_MARKER "([^"\\]+)"/.exec(header)?.[1];
  if (text === undefined) throw new Error('startup/piekit.h defines no PIEKIT_DUMP_MARKER');
  marker = Buffer.from(text, 'latin1');
  return marker;
}

/** Whether the file carries piekit's dump hook, which writes its relocated memory to fd 3. */
export function hasDumpHook(elf: ElfFile): boolean {
  const { reader } = elf;
  // startup/dump.c's marker is constant data: when the file has sections, one of allocated bytes
  // that are not code holds it, and a library's code (most of its file) need not be read.
  const data = elf.sectionHeaders.filter(
    (section) => (section.flags & SHF_ALLOC) !== 0n && (section.flags & SHF_EXECINSTR) === 0n && section.type !== SHT_NOBITS,
  );
  if (data.length === 0) return reader.includes(dumpMarker());
  return data.some(
    (section) =>
      section.offset < BigInt(reader.length) && reader.includes(dumpMarker(), Number(section.offset), Number(section.offset + section.size)),
  );
}
