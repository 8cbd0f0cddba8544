import { hex } from '../../elf/index.js';
import { noun } from '../wording.js';
import { type Conversion, type TableSize, totalBytes } from './conversion.js';

function describeTables(tables: readonly TableSize[]): string {
  if (tables.length === 0) return 'no relocation table';
  return tables
    .map(
      (table) =>
        `${table.kind.toUpperCase()} ${table.bytes} ${noun(table.bytes, 'byte')} (${table.entries} ${noun(table.entries, 'entry', 'entries')})`,
    )
    .join(' + ');
}

function listBases(bases: readonly bigint[]): string {
  const shown = bases.map(hex);
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/** The table sizes before and after, the saving, the proof and the notes: what both commands print. */
export function renderConversion(file: string, conversion: Conversion): string {
  const { command } = conversion;
  if (!conversion.changed) return `${file}: nothing to ${command}: ${conversion.unchangedBecause}\n`;
  const before = totalBytes(conversion.before);
  const after = totalBytes(conversion.after);
  const saved = before - after;
  const percent = before === 0 ? 0 : (Math.abs(saved) * 100) / before;
  const lines = [
    `${file}: ${command}`,
    `  before: ${describeTables(conversion.before)}`,
    `  after:  ${describeTables(conversion.after)}`,
    saved >= 0
      ? `  saved ${saved} of ${before} table bytes (${percent.toFixed(1)}%)`
      : `  the tables grow by ${-saved} bytes (${before} -> ${after}, +${percent.toFixed(1)}%)`,
  ];
  const { proof } = conversion;
  if (proof !== undefined) {
    lines.push(
      `  proved equivalent at bases ${listBases(proof.bases)}: the same ${proof.relocatedWords} relocated words with the same values, ` +
        `${proof.identicalBytes} other loaded bytes identical, ${proof.otherRelocations} other relocations unchanged ` +
        `(only the ${proof.describingBytes} bytes of headers, dynamic array and tables differ)`,
    );
  }
  for (const note of conversion.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
