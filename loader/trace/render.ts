import { hex, type SymbolName } from '../../elf/index.js';
import { describeChoice } from '../verify/index.js';
import type { TraceEnd, TraceFinding, TraceReport, TraceSite } from './report.js';

/** Findings printed per kind: a relocator that skipped a table leaves thousands of words never written; `--json` has them all. */
const TEXT_PER_KIND = 10;

function byKind(findings: readonly TraceFinding[]): Map<string, TraceFinding[]> {
  const groups = new Map<string, TraceFinding[]>();
  for (const finding of findings) {
    const group = groups.get(finding.kind);
    if (group === undefined) groups.set(finding.kind, [finding]);
    else group.push(finding);
  }
  return groups;
}

/** The text `piekit trace` prints: a summary, the relocator, then each finding with its word and instruction. */
export function renderTrace(report: TraceReport): string {
  const { words } = report;
  const verdict = report.clean
    ? `clean: ${words.relocated}/${report.plannedWords} planned words relocated once each, none read before`
    : `${words.readBeforeRelocation} read before relocation, ${words.writtenTwice} written twice, ${words.writtenByOtherCode} written by other code, ${words.neverWritten} never written (${words.relocated}/${report.plannedWords} relocated)`;
  const lines = [`${report.file}: ${verdict}; ${report.arch}, base ${hex(report.base)}; ${describeEnd(report)}`];
  const relocator = report.relocator;
  if (relocator === undefined) lines.push('  relocator: no store reached a planned word');
  else {
    lines.push(
      `  relocator: ${siteText(relocator.low)} .. ${siteText(relocator.high)}; ${relocator.instructions} instructions from the entry to its last relocating store ` +
        `(the first at ${relocator.firstRelocation}): ${relocator.instructionsPerRelocation.toFixed(2)} per relocation (${relocator.relocations}), ` +
        `${relocator.loopInstructionsPerRelocation.toFixed(2)} from the first relocating store; ${relocator.pagesDirtied} pages dirtied`,
    );
  }
  const call = report.firstSystemCall;
  if (call !== undefined) lines.push(`  first system call: number ${call.number}, after ${call.count} instructions`);
  for (const [kind, findings] of byKind(report.findings)) {
    for (const finding of findings.slice(0, TEXT_PER_KIND)) lines.push(`  ${findingText(finding)}`);
    if (findings.length > TEXT_PER_KIND) lines.push(`  ... and ${findings.length - TEXT_PER_KIND} more ${kind} (--json lists them all)`);
  }
  return `${lines.join('\n')}\n`;
}

function describeEnd(report: TraceReport): string {
  const { stop } = report;
  const where = `${stop.kind === 'system call' ? 'the first system call' : stop.symbol === undefined ? hex(stop.vaddr ?? 0n) : `${stop.symbol} (${hex(stop.vaddr ?? 0n)})`}, ${describeChoice(stop)}`;
  return stop.reached ? `stopped at ${where}` : `did not reach ${where}: ${endText(stop.end)}`;
}

function endText(end: TraceEnd): string {
  switch (end.reason) {
    case 'stop point':
      return end.address === undefined ? 'stop point' : `stop point at ${hex(end.address)}`;
    case 'system call':
      return `system call ${end.number}`;
    case 'exited':
      return `exited with status ${end.status}`;
    case 'terminated':
      return `terminated by ${end.signalName}`;
    case 'timeout':
      return `still running after ${end.seconds} s`;
    case 'record full':
      return `the record filled up at ${end.records} records`;
  }
}

function findingText(finding: TraceFinding): string {
  const { word } = finding;
  const where = [word.section, word.symbol === undefined ? undefined : symbolText(word.symbol)].filter((part) => part !== undefined).join(' ');
  const wordText = `${hex(word.address)} (vaddr ${hex(word.vaddr)}${where === '' ? '' : `, ${where}`})`;
  const relocated =
    finding.relocatedBy === undefined ? 'never relocated' : `relocated by ${siteText(finding.relocatedBy)} at ${finding.relocatedBy.count}`;
  const by = finding.by;
  switch (finding.kind) {
    case 'read before relocation':
      return `read before relocation: ${wordText} read by ${by === undefined ? '?' : `${siteText(by)} at ${by.count}`}; ${relocated}`;
    case 'written twice':
      return `written twice: ${wordText} stored ${finding.stores} times (planned ${finding.planned}), again by ${by === undefined ? '?' : `${siteText(by)} at ${by.count}`}; first ${relocated}`;
    case 'written by other code':
      return `written by other code: ${wordText} stored by ${by === undefined ? '?' : `${siteText(by)} at ${by.count}`}, outside the relocator; ${relocated}`;
    case 'never written':
      return `never written: ${wordText}`;
  }
}

export function siteText(site: TraceSite): string {
  return site.symbol === undefined ? hex(site.pc) : `${hex(site.pc)} (${symbolText(site.symbol)})`;
}

function symbolText(symbol: SymbolName): string {
  return symbol.offset === 0n ? symbol.name : `${symbol.name}+${hex(symbol.offset)}`;
}

/** The JSON `piekit trace --json` prints: addresses as hex strings, counts as numbers. */
export function traceJson(report: TraceReport): string {
  const site = (value: TraceSite | undefined) =>
    value === undefined
      ? null
      : {
          pc: hex(value.pc),
          vaddr: value.vaddr === undefined ? null : hex(value.vaddr),
          symbol: value.symbol === undefined ? null : symbolText(value.symbol),
          instructions: Number(value.count),
        };
  const { relocator, stop, firstSystemCall } = report;
  return `${JSON.stringify({
    file: report.file,
    arch: report.arch,
    base: hex(report.base),
    stop: {
      kind: stop.kind,
      symbol: stop.symbol ?? null,
      vaddr: stop.vaddr === undefined ? null : hex(stop.vaddr),
      chosenBy: stop.chosenBy,
      reached: stop.reached,
      end: endJson(stop.end),
    },
    plannedWords: report.plannedWords,
    words: report.words,
    findings: [...byKind(report.findings).values()].flat().map((finding) => ({
      kind: finding.kind,
      word: {
        address: hex(finding.word.address),
        vaddr: hex(finding.word.vaddr),
        section: finding.word.section ?? null,
        symbol: finding.word.symbol === undefined ? null : symbolText(finding.word.symbol),
      },
      by: site(finding.by),
      relocatedBy: site(finding.relocatedBy),
      stores: finding.stores,
      planned: finding.planned,
    })),
    relocator:
      relocator === undefined
        ? null
        : {
            low: site(relocator.low),
            high: site(relocator.high),
            firstRelocation: Number(relocator.firstRelocation),
            instructions: Number(relocator.instructions),
            relocations: relocator.relocations,
            instructionsPerRelocation: Number(relocator.instructionsPerRelocation.toFixed(3)),
            loopInstructionsPerRelocation: Number(relocator.loopInstructionsPerRelocation.toFixed(3)),
            pagesDirtied: relocator.pagesDirtied,
          },
    firstSystemCall: firstSystemCall === undefined ? null : { number: Number(firstSystemCall.number), instructions: Number(firstSystemCall.count) },
    clean: report.clean,
  })}\n`;
}

function endJson(end: TraceEnd): Record<string, unknown> {
  switch (end.reason) {
    case 'stop point':
      return { reason: end.reason, address: end.address === undefined ? null : hex(end.address) };
    case 'system call':
      return { reason: end.reason, number: Number(end.number) };
    default:
      return { ...end };
  }
}
