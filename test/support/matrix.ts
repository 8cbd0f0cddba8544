/**
 * The README's architecture matrix: rendered from a run's results (test/architectures.test.ts
 * saves them to RESULTS), compared with README.md by that test, and written into README.md only
 * by `npm run matrix` (write-matrix.ts). A test never rewrites a tracked file.
 */
import { readFileSync } from 'node:fs';

export type Cell = 'yes' | 'FAILED' | 'no emulator' | 'no toolchain' | 'not built' | 'not run' | '—';

export interface MatrixRow {
  built: Cell;
  runs: Cell;
  verifiedTable: Cell;
  verifiedRelr: Cell;
  tables: string;
}

export const RESULTS = 'build/matrix/results.json';
const START = '<!-- architecture matrix: npm run matrix writes it from the results of test/architectures.test.ts -->';
const END = '<!-- end of architecture matrix -->';
const NOTE =
  '*planned*: every architecture is planned from synthetic files of each class and byte order (test/synthetic.test.ts). ' +
  '*no emulator*: qemu-user 7.2 has none for the target, so its samples are built and planned but never run. ' +
  '*no toolchain*: Debian 12 has no compiler for it (LLVM 19 there has no C-SKY target); synthetic files only.';

export function renderMatrix(rows: readonly (readonly [string, MatrixRow])[]): string {
  return [
    START,
    '',
    '| architecture | planned | built | runs | verified REL/RELA | verified RELR | tables of the samples |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(([arch, row]) => `| ${arch} | yes | ${row.built} | ${row.runs} | ${row.verifiedTable} | ${row.verifiedRelr} | ${row.tables} |`),
    '',
    NOTE,
    '',
    END,
  ].join('\n');
}

/** The matrix as README.md holds it now, markers included. */
export function readmeMatrix(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md has no architecture matrix markers');
  return readme.slice(start, end + END.length);
}

export function withMatrix(readme: string, matrix: string): string {
  return readme.replace(readmeMatrix(readme), matrix);
}

export function savedResults(): [string, MatrixRow][] {
  return JSON.parse(readFileSync(RESULTS, 'utf8')) as [string, MatrixRow][];
}
