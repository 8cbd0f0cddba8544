import { readElfFile } from '../../elf/index.js';
import { requireLoadBase } from '../model/index.js';
import { renderTrace, type TraceReport, traceJson, verifyTraced } from '../trace/index.js';
import { renderVerify, reportJson, reportJsonParts, type VerifyOptions, type VerifyReport, verifyCore, verifyFile } from '../verify/index.js';
import { inputFile, type Output, oneFile, parseAddress, parseCommand, parseCount, parseEngine } from './arguments.js';
import { EXIT_DIFFERENCE, EXIT_OK, usageError } from './exit-codes.js';

/**
 * `piekit verify`: a sample with the dump hook runs and dumps its memory; any other static-PIE is
 * stopped under qemu-user's GDB stub once its relocator is done; `--core` reads a core file.
 * `--trace` adds `piekit trace`'s findings on the same run: its first, under qemu-user with the
 * trace plugin even on the host.
 */
export async function verifyCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals, rest } = parseCommand(args, {
    'stop-at': { type: 'string' },
    base: { type: 'string' },
    runs: { type: 'string' },
    timeout: { type: 'string' },
    'run-on': { type: 'string' },
    core: { type: 'string' },
    json: { type: 'boolean' },
    runner: { type: 'string' },
    engine: { type: 'string' },
    trace: { type: 'boolean' },
    'max-differences': { type: 'string' },
  });
  const file = oneFile(positionals);
  const engine = parseEngine(values.engine);
  const maxDifferences = values['max-differences'] === undefined ? undefined : parseLimit(values['max-differences'], '--max-differences');
  let report: VerifyReport;
  let trace: TraceReport | undefined;
  if (values.core !== undefined) {
    const others = (['stop-at', 'base', 'runs', 'timeout', 'run-on', 'runner', 'trace'] as const).filter((name) => values[name] !== undefined);
    if (others.length > 0 || rest.length > 0)
      throw usageError(`--core reads memory from a core file: --${others[0] ?? 'the program arguments'} does not apply`);
    report = await verifyCore(inputFile(file), inputFile(values.core), { engine });
  } else {
    const options = runOptions(values, rest, engine);
    const elf = readElfFile(inputFile(file, 'execute'));
    if (typeof options.base === 'bigint') requireLoadBase(elf, options.base);
    if (values.trace === true) {
      if (options.runner !== undefined) throw usageError('--trace runs the program under qemu-user with the trace plugin: --runner does not apply');
      ({ report, trace } = await verifyTraced(file, elf, options));
    } else report = await verifyFile(file, options);
  }
  if (values.json !== true)
    out.write(renderVerify(report, maxDifferences === undefined ? {} : { maxDifferences }) + (trace === undefined ? '' : renderTrace(trace)));
  // Written as it is made: a core may differ in a million words.
  else if (trace === undefined) for (const part of reportJsonParts(report)) out.write(part);
  else out.write(withTraceJson(report, trace));
  return report.verified && (trace?.clean ?? true) ? EXIT_OK : EXIT_DIFFERENCE;
}

/** verify's document with a `trace` member: what `piekit trace --json` prints for the traced run. */
function withTraceJson(report: VerifyReport, trace: TraceReport): string {
  return `${JSON.stringify({ ...JSON.parse(reportJson(report)), trace: JSON.parse(traceJson(trace)) })}\n`;
}

function runOptions(
  values: { 'stop-at'?: string; base?: string; runs?: string; timeout?: string; 'run-on'?: string; runner?: string },
  rest: readonly string[],
  engine: VerifyOptions['engine'],
): VerifyOptions {
  const stopAt = values['stop-at'];
  const runs = values.runs === undefined ? undefined : parseCount(values.runs, '--runs');
  if (runs !== undefined && runs > 1 && values.base === undefined)
    throw usageError("--runs needs --base: without the loader every run is the emulator's choice");
  const timeout = values.timeout === undefined ? undefined : parseSeconds(values.timeout, '--timeout');
  const runOn = values['run-on'] === undefined ? undefined : parseSeconds(values['run-on'], '--run-on');
  return {
    ...(stopAt === undefined ? {} : { stopAt: /^(0x[0-9a-f]+|[0-9]+)$/i.test(stopAt) ? parseAddress(stopAt, '--stop-at') : stopAt }),
    ...(values.base === undefined ? {} : { base: values.base === 'random' ? 'random' : parseAddress(values.base, '--base') }),
    ...(runs === undefined ? {} : { runs }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
    ...(runOn === undefined ? {} : { runOnSeconds: runOn }),
    ...(values.runner === undefined ? {} : { runner: values.runner.split(/\s+/).filter((word) => word !== '') }),
    ...(engine === undefined ? {} : { engine }),
    args: rest,
  };
}

function parseLimit(text: string, option: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) throw usageError(`${option} takes a count (0 or more), not '${text}'`);
  return value;
}

function parseSeconds(text: string, option: string): number {
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(value > 0)) throw usageError(`${option} takes a number of seconds, not '${text}'`);
  return value;
}
