/**
 * `verify --trace` in one run: the trace plugin rides in the qemu verify runs (with its GDB stub,
 * or a sample that dumps its own memory), records until verify's stop and only stops recording
 * there; the record is read while the debugger holds the program at the stop, before it is killed
 * or let run on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ElfFile, requireStaticPie } from '../../elf/index.js';
import { type Plan, plan } from '../model/index.js';
import { requireEmulator } from '../userland/index.js';
import {
  GdbRemoteError,
  type RunEnd,
  type RunObserver,
  type StopPoint,
  SymbolTable,
  type VerifyOptions,
  type VerifyReport,
  verifyFile,
} from '../verify/index.js';
import { pluginOptions, pluginRefused, tracePlugin } from './plugin.js';
import { readRecord, type TraceRecord } from './record.js';
import type { TraceEnd, TraceReport } from './report.js';
import { judgeRecord, stopDescription, traceStop } from './trace.js';

/**
 * verify's run of `file` (already read as `elf`) with the trace plugin in its qemu: the report and
 * the trace of that one run. A qemu that cannot load plugins ends the run before any stop: that is
 * said as the refusal it is, not as qemu exiting.
 */
export async function verifyTraced(
  file: string,
  elf: ElfFile,
  options: Omit<VerifyOptions, 'observer'>,
): Promise<{ readonly report: VerifyReport; readonly trace: TraceReport }> {
  requireStaticPie(elf);
  const qemu = await requireEmulator(elf);
  const plugin = tracePlugin();
  const directory = await mkdtemp(join(tmpdir(), 'piekit-trace-'));
  const tracer = new Alongside(file, elf, plan(elf), qemu, plugin, directory);
  try {
    const report = await verifyFile(file, { ...options, observer: tracer.observer });
    return { report, trace: tracer.report() };
  } catch (error) {
    throw tracer.refusal(error) ?? error;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

class Alongside {
  private stop: StopPoint | undefined;
  private record: TraceRecord | undefined;
  private end: TraceEnd | undefined;
  private stderr = '';
  readonly observer: RunObserver;

  constructor(
    private readonly file: string,
    private readonly elf: ElfFile,
    private readonly planned: Plan,
    private readonly qemu: string,
    plugin: string,
    directory: string,
  ) {
    const out = join(directory, 'record');
    this.observer = {
      qemuOptions: ({ base, stop }) => {
        // A sample that dumps its memory is not stopped by verify: the plugin stops recording where trace would.
        this.stop = stop ?? traceStop(elf, new SymbolTable(elf), undefined, file);
        const at = this.stop.kind === 'system call' ? 'syscall' : this.stop.vaddrs[0];
        return pluginOptions(plugin, { elf, out, base, stop: at, onStop: 'continue' });
      },
      observe: async (end, stderr) => {
        this.record = await readRecord(out);
        this.end = traceEnd(end);
        this.stderr = stderr;
      },
    };
  }

  /** The trace of the observed run; throws when qemu never loaded the plugin. */
  report(): TraceReport {
    const { record, end, stop } = this;
    if (record === undefined || end === undefined || stop === undefined) throw pluginRefused(this.qemu, this.stderr);
    return judgeRecord(this.file, this.elf, this.planned, record, end, stopDescription(stop));
  }

  /** Why verify's run failed to start, when it is qemu refusing the plugin. */
  refusal(error: unknown): Error | undefined {
    if (!(error instanceof GdbRemoteError) || error.code !== 'QEMU_EXITED') return undefined;
    return this.stop !== undefined && this.record === undefined && error.message.includes('plugin')
      ? pluginRefused(this.qemu, error.message)
      : undefined;
  }
}

/** Where verify's run was, as the trace reports its end when the record does not say (a breakpoint stops before its instruction runs). */
function traceEnd(end: RunEnd): TraceEnd {
  switch (end.reason) {
    case 'stop point':
      return { reason: 'stop point', address: end.address };
    case 'signal':
    case 'terminated':
      return { reason: 'terminated', signalName: end.signalName ?? `signal ${end.signal}` };
    case 'exited':
    case 'timeout':
      return end;
    case 'dump':
      return end.signal === undefined ? { reason: 'exited', status: end.exitStatus ?? 0 } : { reason: 'terminated', signalName: end.signal };
    case 'core':
      throw new Error('a core file has no run to trace');
  }
}
