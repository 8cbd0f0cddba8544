import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ElfFile, hex } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/** The trace plugin scripts/setup builds for the host: one shared object serves every guest. */
export function tracePlugin(): string {
  const path = join(packageRoot(), 'build', 'trace', 'piekit-trace.so');
  if (!existsSync(path)) throw new PiekitError('ENVIRONMENT', `the trace plugin ${path} is not built: run scripts/setup (gcc builds native/trace/)`);
  return path;
}

export interface PluginRequest {
  readonly elf: ElfFile;
  /** Where the plugin maps its record. */
  readonly out: string;
  /** Where piekit's loader puts the program; undefined when qemu loads it. */
  readonly base: bigint | undefined;
  /** Link-time address of the stop, or the first system call; none: the program's end. */
  readonly stop: bigint | 'syscall' | undefined;
  /** At the stop, end qemu (a trace alone) or only stop recording (a run verify stops there too, or one that dumps its memory later). */
  readonly onStop: 'exit' | 'continue';
}

/** qemu's options that load the plugin with its arguments (native/trace/trace.c). */
export function pluginOptions(plugin: string, request: PluginRequest): string[] {
  const { elf, base, stop } = request;
  // The link-time entry: an ARM entry's Thumb bit is not part of the instruction's address.
  const entry = elf.arch.emulator?.gdb.thumbBit === true ? elf.header.entry & ~1n : elf.header.entry;
  const args = [
    `out=${request.out}`,
    `entry=${hex(entry)}`,
    ...(base === undefined ? [] : [`base=${hex(base)}`]),
    ...(stop === undefined ? [] : [`stop=${stop === 'syscall' ? 'syscall' : hex(stop)}`]),
    `onstop=${request.onStop}`,
  ];
  return ['-plugin', [plugin, ...args].join(',')];
}

/** qemu-*-static, and any qemu built without plugin support, refuse -plugin before running anything. */
export function pluginRefused(qemu: string, stderr: string): PiekitError {
  const said = stderr.trim().split('\n')[0] ?? '';
  return new PiekitError(
    'ENVIRONMENT',
    `${qemu} cannot load plugins${said === '' ? '' : ` (${said})`}: the trace needs a qemu-user that loads TCG plugins, as Debian's qemu-user does (qemu-user-static does not)`,
  );
}
