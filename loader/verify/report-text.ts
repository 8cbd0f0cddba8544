import { hex, type SymbolName, wordMask } from '../../elf/index.js';
import { type Difference, relocationErrors } from '../model/index.js';
import { noun } from '../wording.js';
import type { StopPoint } from './gdbstub/stop-points.js';
import type { Afterwards, RunEnd, VerifyReport, VerifyRun } from './report.js';
import type { ResolvedCheck } from './resolved-check.js';

/** Differing words printed per run unless asked otherwise: a screenful; `--json` has them all. */
export const DEFAULT_MAX_DIFFERENCES = 20;

export interface RenderOptions {
  /** Differing words printed per run, then the count of the rest. */
  readonly maxDifferences?: number;
}

/** The report as `piekit verify` prints it: per run a summary line, then the differing words; then what was not checked. */
export function renderVerify(report: VerifyReport, options: RenderOptions = {}): string {
  const limit = options.maxDifferences ?? DEFAULT_MAX_DIFFERENCES;
  const lines: string[] = [];
  for (const run of report.runs) {
    lines.push(`${report.file}: ${summary(report, run)}`);
    if (run.message !== undefined) lines.push(`  ${run.message}`);
    if (run.resolved !== undefined) lines.push(`  ${describeResolved(run.resolved)}`);
    for (const word of run.resolved?.outside ?? []) {
      const found = word.actual === undefined ? 'not read' : `found ${hex(word.actual)}`;
      lines.push(
        `  ${hex(word.address)} (vaddr ${hex(word.entry.offset)}): ${found}, not an address in code; written by ${word.entry.table}#${word.entry.index}`,
      );
    }
    if (run.afterwards !== undefined) lines.push(`  let run on from there: ${describeAfterwards(run.afterwards)}`);
    for (const difference of run.compared?.describeDifferences(limit) ?? []) lines.push(`  ${formatDifference(difference)}`);
    const rest = (run.compared?.differing ?? 0) - limit;
    if (rest > 0)
      lines.push(
        `  ... and ${rest} more ${noun(rest, 'differing word', 'differing words')} (--max-differences N prints more, --json lists them all)`,
      );
  }
  const { entries, notCheckedBecause } = report.resolvedAtRunTime;
  if (notCheckedBecause !== undefined) {
    lines.push(
      `  not checked: ${entries.length} ${plural(entries.length, 'entry', 'entries')} resolved at run time (${typeNames(entries)}): ${notCheckedBecause}`,
    );
  }
  const skipped = report.notChecked;
  if (skipped.length > 0) {
    const byType = new Map<string, number>();
    for (const skip of skipped) byType.set(skip.typeName, (byType.get(skip.typeName) ?? 0) + 1);
    const counts = [...byType].map(([name, count]) => `${count} ${name}`).join(', ');
    lines.push(`  not checked: ${skipped.length} ${noun(skipped.length, 'relocation')} startup code does not apply (${counts}):`);
    for (const skip of skipped) lines.push(`    ${skip.table}#${skip.index} ${skip.typeName} at ${hex(skip.offset)}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeResolved(resolved: ResolvedCheck): string {
  const words = `${resolved.words} IRELATIVE ${plural(resolved.words, 'word', 'words')} resolved`;
  if (resolved.outside.length === 0) return `${words}, ${resolved.words === 1 ? 'into code' : 'each into code'}`;
  return `${words}: ${resolved.outside.length} not into code`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

function typeNames(entries: readonly { readonly typeName: string }[]): string {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.typeName, (counts.get(entry.typeName) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${count} ${name}`).join(', ');
}

function summary(report: VerifyReport, run: VerifyRun): string {
  const base = run.base === undefined ? 'base unknown' : `base ${hex(run.base)}`;
  const compared = run.compared;
  if (compared === undefined) return `nothing compared (${base}, ${describeEnd(report, run.end, run.base)})`;
  const what = report.method === 'dump' ? 'words of the writable segments' : 'planned words';
  const counts = Object.entries(compared.counts)
    .filter(([kind, count]) => count > 0 && kind !== 'overwritten')
    .map(([kind, count]) => `${count} ${kind}`);
  const errors = relocationErrors(compared);
  const verdict =
    errors > 0 ? `${errors} ${noun(errors, 'word differs', 'words differ')} (${counts.join(', ')})` : run.verified ? 'verified' : 'not verified';
  const overwritten = compared.counts.overwritten;
  const after =
    overwritten === 0 ? '' : `, ${overwritten} ${noun(overwritten, 'word', 'words')} overwritten after relocation (not relocation errors)`;
  return `${compared.matchingWords}/${compared.comparedWords} ${what} as planned, ${verdict}${after}; ${base}; ${describeEnd(report, run.end, run.base)}`;
}

function describeEnd(report: VerifyReport, end: RunEnd, base: bigint | undefined = undefined): string {
  const stopPoint = report.stopPoint;
  const stop = stopPoint === undefined ? 'the stop point' : describeStop(stopPoint);
  switch (end.reason) {
    case 'stop point': {
      if (stopPoint === undefined) return `stopped at ${stop}`;
      // The call made, as a link-time address: where it lies in the file.
      const at = end.address === undefined || base === undefined ? undefined : (end.address - base) & wordMask(report.wordSize);
      return `stopped at ${describeStop(stopPoint, at)}, ${describeChoice(stopPoint)}`;
    }
    case 'signal':
      return `stopped by ${describeSignal(end)} before reaching ${stop}`;
    case 'exited':
      return `exited with status ${end.status} before reaching ${stop}`;
    case 'terminated':
      return `killed by ${end.signalName ?? `signal ${end.signal}`} before reaching ${stop}`;
    case 'timeout':
      return `no stop within ${end.seconds} s`;
    case 'dump': {
      const how = end.signal === undefined ? `exit status ${end.exitStatus}` : `signal ${end.signal}`;
      return `dumped by the sample right after its relocation (${how}${end.selfCheck ? ', its own checks passed' : ''})`;
    }
    case 'core':
      return `read from a core (${end.signal === undefined ? 'no signal recorded' : (end.signalName ?? `signal ${end.signal}`)})`;
  }
}

/** `symbol (0x…)`, the address alone, or the first system call and where it was made. */
function describeStop(stop: StopPoint, at: bigint | undefined = undefined): string {
  if (stop.kind === 'system call') {
    const sites = `${stop.vaddrs.length} system-call instruction${stop.vaddrs.length === 1 ? '' : 's'} in the code`;
    return `the first system call (${at === undefined ? '' : `${hex(at)}, `}one of ${sites})`;
  }
  const vaddr = stop.vaddrs[0] ?? 0n;
  return stop.symbol === undefined ? hex(vaddr) : `${stop.symbol} (${hex(vaddr)})`;
}

/** How the stop was chosen, in a report's words (verify's and trace's). */
export function describeChoice(stop: Pick<StopPoint, 'chosenBy'>): string {
  switch (stop.chosenBy) {
    case 'requested':
      return 'chosen by --stop-at';
    case 'main':
      return 'at main: no relocator recognised and no system call to stop at';
    case 'system call':
      return 'chosen as no symbol names the relocator';
    default:
      return `chosen by ${stop.chosenBy}`;
  }
}

function describeAfterwards(end: Afterwards): string {
  switch (end.reason) {
    case 'signal':
      return describeSignal(end);
    case 'exited':
      return `exited with status ${end.status}`;
    case 'terminated':
      return `killed by ${end.signalName ?? `signal ${end.signal}`}`;
    case 'timeout':
      return `still running after ${end.seconds} s`;
  }
}

function describeSignal(end: Extract<RunEnd, { reason: 'signal' }>): string {
  const signal = end.signalName ?? `signal ${end.signal}`;
  const pc = end.pc === undefined ? 'an unknown pc (the stub cannot read registers)' : hex(end.pc);
  const place = end.vaddr === undefined ? '' : ` (vaddr ${hex(end.vaddr)}${where(end.section, end.symbol)})`;
  return `${signal} at ${pc}${place}`;
}

function formatDifference(difference: Difference): string {
  const writers = difference.writers.length === 0 ? 'no relocation' : difference.writers.join(', ');
  return (
    `${hex(difference.address)} (vaddr ${hex(difference.vaddr)}${where(difference.section, difference.symbol, difference.sectionOffset)}): ` +
    `planned ${hex(difference.expected)}, found ${hex(difference.actual)}, ${difference.kind}; written by ${writers}`
  );
}

/** `, .data sym+0x8` where a symbol holds the address, else `, .data+0x70` (the offset in the section, when known). */
function where(section: string | undefined, symbol: SymbolName | undefined, sectionOffset: bigint | undefined = undefined): string {
  const inSection =
    section === undefined || symbol !== undefined || sectionOffset === undefined ? section : symbolText({ name: section, offset: sectionOffset });
  const parts = [inSection, symbol === undefined ? undefined : symbolText(symbol)].filter((part) => part !== undefined);
  return parts.length === 0 ? '' : `, ${parts.join(' ')}`;
}

export function symbolText(symbol: SymbolName): string {
  return symbol.offset === 0n ? symbol.name : `${symbol.name}+${hex(symbol.offset)}`;
}
