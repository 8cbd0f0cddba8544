import { hex } from '../../elf/index.js';
import { noun } from '../wording.js';
import { describeJudgement } from './carried-check.js';
import { type Conversion, type TableSize, totalBytes } from './conversion.js';
import type { CheckedConversion } from './files.js';

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

/** The table and file sizes before and after, the saving, the proof, the carried runtime's judgement and the notes: what both commands print. */
export function renderConversion(file: string, conversion: Conversion | CheckedConversion): string {
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
    `  file: ${conversion.fileBytes.before} -> ${conversion.fileBytes.after} bytes`,
  ];
  const { proof } = conversion;
  if (proof !== undefined) {
    lines.push(
      `  proved equivalent at bases ${listBases(proof.bases)}: the same ${proof.relocatedWords} relocated words with the same values, ` +
        `${proof.identicalBytes} other loaded bytes identical, ${proof.otherRelocations} other relocations unchanged ` +
        `(only the ${proof.describingBytes} bytes of headers, dynamic array and tables differ)`,
    );
  }
  const carried = 'carried' in conversion ? conversion.carried : undefined;
  if (carried !== undefined) {
    lines.push(`  ${carried.safe ? '' : 'written with --force: '}it carries ${carried.carries}: ${describeJudgement(carried)}`);
  }
  for (const note of conversion.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** `piekit pack|unpack --json`: README.md documents each field. */
export function conversionJson(file: string, conversion: CheckedConversion, written: string | null): object {
  const { proof } = conversion;
  return {
    file,
    command: conversion.command,
    changed: conversion.changed,
    unchangedBecause: conversion.unchangedBecause ?? null,
    fileBytes: conversion.fileBytes,
    before: conversion.before,
    after: conversion.after,
    proof:
      proof === undefined
        ? null
        : {
            bases: proof.bases.map(hex),
            relocatedWords: proof.relocatedWords,
            identicalBytes: proof.identicalBytes,
            otherRelocations: proof.otherRelocations,
            describingBytes: proof.describingBytes,
          },
    carried: conversion.carried ?? null,
    notes: conversion.notes,
    written,
  };
}
