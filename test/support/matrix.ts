import { readFile, writeFile } from 'node:fs/promises';

export type Cell = 'yes' | 'FAILED' | 'no emulator' | 'no toolchain' | 'not built' | '—';

export interface MatrixRow {
  planned: Cell;
  built: Cell;
  runs: Cell;
  verifiedTable: Cell;
  verifiedRelr: Cell;
  tables: string;
}

const START = '<!-- architecture matrix: written by test/architectures.test.ts -->';
const END = '<!-- end of architecture matrix -->';

/** Replaces the matrix between its markers in README.md; the rest of the file is left alone. */
export async function writeMatrix(readme: string, rows: ReadonlyMap<string, MatrixRow>, note: string): Promise<void> {
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${readme} has no architecture matrix markers`);
  const lines = [
    START,
    '',
    '| architecture | planned | built | runs | verified REL/RELA | verified RELR | tables of the samples |',
    '|---|---|---|---|---|---|---|',
    ...[...rows].map(
      ([arch, row]) => `| ${arch} | ${row.planned} | ${row.built} | ${row.runs} | ${row.verifiedTable} | ${row.verifiedRelr} | ${row.tables} |`,
    ),
    '',
    note,
    '',
  ];
  await writeFile(readme, `${text.slice(0, start)}${lines.join('\n')}${text.slice(end)}`);
}
