/**
 * Static-PIEs as distributions ship them: stripped, so that only the code is left to find the
 * stop, and verified at their first system call.
 */
import { execa } from 'execa';
import type { VerifyReport } from 'piekit/verify';
import { expect, type TestContext } from 'vitest';
import { requireCommand } from './environment.js';

/** `file` stripped by llvm-strip-19 into `output` (no .symtab, as Debian strips). */
export async function strippedCopy(context: TestContext, file: string, output: string): Promise<string> {
  await requireCommand(context, 'llvm-strip-19', 'llvm-19');
  await execa('llvm-strip-19', ['-o', output, file]);
  return output;
}

/** Run 0 stopped at the first system call, every one of more than `plannedAbove` planned words as planned. */
export function expectVerifiedAtFirstSystemCall(report: VerifyReport, plannedAbove = 0): void {
  expect(report.stopPoint).toMatchObject({ kind: 'system call', chosenBy: 'system call' });
  const [run] = report.runs;
  expect(run?.end.reason).toBe('stop point');
  expect(run?.compared?.differences).toEqual([]);
  expect(run?.compared?.comparedWords).toBe(report.plannedWords);
  expect(report.plannedWords).toBeGreaterThan(plannedAbove);
  expect(report.verified).toBe(true);
}
