import { hex, type SymbolName } from '../../elf/index.js';
import type { Difference } from '../model/index.js';
import type { RunEnd, VerifyReport, VerifyRun } from './report.js';
import { symbolText } from './report-text.js';

/** Text handed out once this much has gathered: large writes, and never the whole document in one string. */
const PART_SIZE = 1 << 20;

/**
 * The `piekit verify --json` document (README.md documents it): addresses and word values as
 * hexadecimal strings, so that no 64-bit value is rounded; absent values as null. One line.
 */
export function reportJson(report: VerifyReport): string {
  return [...reportJsonParts(report)].join('');
}

/**
 * `reportJson`'s text in pieces of about a megabyte, made as they are asked for: a core of a large
 * program may differ in a million words, each described, and a reader may take them slower.
 */
export function* reportJsonParts(report: VerifyReport): Generator<string, void, undefined> {
  const stop = report.stopPoint;
  const head = JSON.stringify({
    file: report.file,
    arch: report.arch,
    method: report.method,
    verified: report.verified,
    stopPoint:
      stop === undefined
        ? null
        : {
            kind: stop.kind,
            symbol: stop.symbol ?? null,
            vaddr: stop.kind === 'address' ? optionalHex(stop.vaddrs[0]) : null,
            systemCalls: stop.kind === 'system call' ? stop.vaddrs.length : null,
            chosenBy: stop.chosenBy,
          },
    plannedWords: report.plannedWords,
    notChecked: report.notChecked.map((skip) => ({
      table: skip.table,
      index: skip.index,
      vaddr: hex(skip.offset),
      type: skip.type,
      typeName: skip.typeName,
    })),
    resolvedAtRunTime: {
      entries: report.resolvedAtRunTime.entries.map((entry) => ({
        table: entry.table,
        index: entry.index,
        vaddr: hex(entry.offset),
        type: entry.type,
        typeName: entry.typeName,
        resolver: optionalHex(entry.resolver),
      })),
      notCheckedBecause: report.resolvedAtRunTime.notCheckedBecause ?? null,
    },
  });
  // `runs` is the last member: the object is reopened for it, and each run for its differences.
  let pending = `${head.slice(0, -1)},"runs":[`;
  for (const [index, run] of report.runs.entries()) {
    if (index > 0) pending += ',';
    const compared = run.compared;
    const described = JSON.stringify(runJson(run));
    if (compared === undefined) {
      pending += described;
      continue;
    }
    // `compared` ends the run and `differences` ends `compared`: both are closed again after them.
    pending += `${described.slice(0, -2)},"differences":[`;
    let separator = '';
    for (const difference of compared.describeDifferences()) {
      pending += `${separator}${JSON.stringify(differenceJson(difference))}`;
      separator = ',';
      if (pending.length < PART_SIZE) continue;
      yield pending;
      pending = '';
    }
    pending += ']}}';
  }
  yield `${pending}]}\n`;
}

/** A run without its differences (`compared.differences`), which follow it one by one. */
function runJson(run: VerifyRun): unknown {
  const compared = run.compared;
  return {
    base: optionalHex(run.base),
    end: endJson(run.end),
    verified: run.verified,
    afterwards: run.afterwards === undefined ? null : endJson(run.afterwards),
    message: run.message ?? null,
    resolved:
      run.resolved === undefined
        ? null
        : {
            words: run.resolved.words,
            intoCode: run.resolved.intoCode,
            outside: run.resolved.outside.map((word) => ({
              address: hex(word.address),
              vaddr: hex(word.entry.offset),
              actual: optionalHex(word.actual),
              writer: `${word.entry.table}#${word.entry.index}`,
            })),
          },
    compared: compared === undefined ? null : { words: compared.comparedWords, matching: compared.matchingWords, counts: compared.counts },
  };
}

function differenceJson(difference: Difference): unknown {
  return {
    address: hex(difference.address),
    vaddr: hex(difference.vaddr),
    section: difference.section ?? null,
    symbol: optionalSymbol(difference.symbol),
    expected: hex(difference.expected),
    actual: hex(difference.actual),
    kind: difference.kind,
    writers: difference.writers,
  };
}

function endJson(end: RunEnd): unknown {
  switch (end.reason) {
    case 'stop point':
      return { reason: end.reason, address: optionalHex(end.address) };
    case 'signal':
      return {
        reason: end.reason,
        signal: end.signal,
        signalName: end.signalName ?? null,
        pc: optionalHex(end.pc),
        vaddr: optionalHex(end.vaddr),
        section: end.section ?? null,
        symbol: optionalSymbol(end.symbol),
      };
    case 'exited':
      return { reason: end.reason, status: end.status };
    case 'terminated':
      return { reason: end.reason, signal: end.signal, signalName: end.signalName ?? null };
    case 'timeout':
      return { reason: end.reason, seconds: end.seconds };
    case 'dump':
      return { reason: end.reason, exitStatus: end.exitStatus ?? null, signal: end.signal ?? null, selfCheck: end.selfCheck };
    case 'core':
      return { reason: end.reason, signal: end.signal ?? null, signalName: end.signalName ?? null };
  }
}

function optionalHex(value: bigint | undefined): string | null {
  return value === undefined ? null : hex(value);
}

function optionalSymbol(symbol: SymbolName | undefined): string | null {
  return symbol === undefined ? null : symbolText(symbol);
}
