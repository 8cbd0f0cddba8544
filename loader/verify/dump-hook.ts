/**
 * Whether a file carries piekit's dump hook: apart from running samples (dump.ts), so that what
 * only asks (audit's carried runtime, pack's judgement of it) loads nothing that spawns processes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ElfFile, inConstantData } from '../../elf/index.js';
import { packageRoot } from '../package-root.js';

let marker: Buffer | undefined;

/** PIEKIT_DUMP_MARKER, as startup/piekit.h defines it for startup/dump.c: the string is said once, there. */
export function dumpMarker(): Buffer {
  if (marker !== undefined) return marker;
  const header = readFileSync(join(packageRoot(), 'startup', 'piekit.h'), 'latin1');
  const text = /#define PIEKIT_DUMP_MARKER "([^"\\]+)"/.exec(header)?.[1];
  if (text === undefined) throw new Error('startup/piekit.h defines no PIEKIT_DUMP_MARKER');
  marker = Buffer.from(text, 'latin1');
  return marker;
}

/** Whether the file carries piekit's dump hook, which writes its relocated memory to fd 3: the marker is constant data. */
export function hasDumpHook(elf: ElfFile): boolean {
  return inConstantData(elf, [dumpMarker()])[0] === true;
}
