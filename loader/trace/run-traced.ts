import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { type ElfFile, hex } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { isLoaderStatus, LOADER_STATUS } from '../userland/index.js';
import { pluginOptions, pluginRefused } from './plugin.js';
import { readRecord, type TraceRecord } from './record.js';

export interface TracedRunRequest {
  readonly elf: ElfFile;
  readonly file: string;
  readonly qemu: string;
  readonly plugin: string;
  /** Link-time address of the stop, or the first system call; none: the program's end. */
  readonly stop: bigint | 'syscall' | undefined;
  /** With a base, the program runs through piekit's loader at exactly that base. */
  readonly base: bigint | undefined;
  readonly loader: string | undefined;
  readonly args: readonly string[];
  readonly timeoutMs: number;
}

export type TracedRun = { readonly kind: 'recorded'; readonly record: TraceRecord; readonly exit: QemuEnd } | { readonly kind: 'base taken' };

/** How qemu ended: the plugin ends it at the stop; otherwise the program's own end. */
export type QemuEnd =
  | { readonly reason: 'exited'; readonly status: number }
  | { readonly reason: 'terminated'; readonly signalName: string }
  | { readonly reason: 'timeout'; readonly seconds: number };

/**
 * Runs the program under qemu-user with the trace plugin, which records its memory accesses from
 * its entry and ends qemu at the stop. The record lives in a private directory, removed here.
 */
export async function runTraced(request: TracedRunRequest): Promise<TracedRun> {
  const { elf } = request;
  const directory = await mkdtemp(join(tmpdir(), 'piekit-trace-'));
  try {
    const out = join(directory, 'record');
    const options = pluginOptions(request.plugin, { elf, out, base: request.base, stop: request.stop, onStop: 'exit' });
    const prefix = request.base === undefined || request.loader === undefined ? [] : [request.loader, '--base', hex(request.base), '--'];
    const result = await execa(request.qemu, [...options, ...prefix, request.file, ...request.args], {
      reject: false,
      stdin: 'ignore',
      timeout: request.timeoutMs,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if ((result as { code?: string }).code === 'ENOENT') {
      throw new PiekitError('ENVIRONMENT', `${request.qemu} was not found: install the Debian package qemu-user (apt-get install qemu-user)`);
    }
    const record = await readRecord(out);
    const stderr = String(result.stderr ?? '').trim();
    if (record === undefined) throw pluginRefused(request.qemu, stderr);
    const exit: QemuEnd = result.timedOut
      ? { reason: 'timeout', seconds: request.timeoutMs / 1000 }
      : result.signal !== undefined
        ? { reason: 'terminated', signalName: result.signal }
        : { reason: 'exited', status: result.exitCode ?? 0 };
    if (request.base !== undefined && exit.reason === 'exited' && exit.status === LOADER_STATUS.baseTaken && stderr.includes('base taken')) {
      return { kind: 'base taken' };
    }
    if (request.base !== undefined && exit.reason === 'exited' && isLoaderStatus(exit.status) && record.count === 0) {
      throw new PiekitError('UNVERIFIABLE', `piekit's loader refused ${request.file}: ${stderr}`);
    }
    return { kind: 'recorded', record, exit };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
