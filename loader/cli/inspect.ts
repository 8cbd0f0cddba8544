import type { Writable } from 'node:stream';
import { ET_DYN, readElfFile } from '../../elf/index.js';
import {
  AsciiWriter,
  decimalLength,
  forEachRelocation,
  fragment,
  hexLength,
  type Inspection,
  inspectHead,
  type Plan,
  plan,
  putBytes,
  putDecimal,
  putHex64,
  putSignedHex64,
  putSpaces,
  ROW_SOURCES,
  RowNames,
  writeInspectionJson,
} from '../model/index.js';
import { noun } from '../wording.js';
import { inputFile, type Output, oneFile, parseCommand } from './arguments.js';

export async function inspectCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } });
  const file = inputFile(oneFile(positionals));
  const planned = plan(readElfFile(file));
  const out = new AsciiWriter((chunk) => {
    output.write(chunk);
    return isDrained(output);
  });
  if (values.json === true) writeInspectionJson(planned, out);
  else writeInspectionText(file, planned, out);
  out.flush();
  return 0;
}

/**
 * Whether a stream holds none of what was written to it: stdout to a file or /dev/null, or to a
 * pipe with room, has written it through, and the writer may reuse the bytes. A pipe whose reader
 * lags queues them instead.
 */
function isDrained(output: Output): boolean {
  return (output as Partial<Writable>).writableLength === 0;
}

type Rows = readonly (readonly string[])[];

/** Rows as aligned columns, two spaces between them, each line's trailing blanks dropped. */
function tableLines(rows: Rows): string[] {
  // A reduce, not Math.max(...rows): a spread of 100,000 rows overflows the stack.
  const widths = rows[0]?.map((_, column) => rows.reduce((width, row) => Math.max(width, row[column]?.length ?? 0), 0)) ?? [];
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}`,
  );
}

function writeInspectionText(file: string, plan: Plan, out: AsciiWriter): void {
  const head = inspectHead(plan);
  out.text(`${headLines(file, head).join('\n')}\n`);
  writeRelocationTable(plan, out);
}

function headLines(file: string, inspection: Omit<Inspection, 'relocations'>): string[] {
  const lines: string[] = [
    `${file}: ELF${inspection.class} ${inspection.endian}-endian ${inspection.arch} (e_machine ${inspection.machine}, e_flags ${inspection.flags}), ` +
      `e_type ${inspection.type === ET_DYN ? 'ET_DYN' : inspection.type}, entry ${inspection.entry}`,
    '',
    `Segments (${inspection.segments.length}):`,
    ...tableLines([
      ['#', 'type', 'offset', 'vaddr', 'filesz', 'memsz', 'flags', 'align'],
      ...inspection.segments.map((s) => [String(s.index), s.type, s.offset, s.vaddr, s.filesz, s.memsz, s.flags, s.align]),
    ]),
    '',
    `Dynamic entries (${inspection.dynamic.length}):`,
    ...tableLines(inspection.dynamic.map((entry) => [entry.name, entry.tag, entry.value])),
    '',
    'Tables:',
  ];
  if (inspection.localGot !== null)
    lines.push(
      `  local GOT at ${inspection.localGot.vaddr}: ${inspection.localGot.count} ${noun(inspection.localGot.count, 'word')} relocated first`,
    );
  for (const t of inspection.tables) {
    const skipped = Object.entries(t.skipped).map(([name, count]) => `${name} ${count}`);
    lines.push(
      `  ${t.table} at ${t.vaddr}: ${t.size} ${noun(t.size, 'byte')}, ${t.entries} ${noun(t.entries, 'entry', 'entries')} of ${t.entrySize} bytes, ` +
        `${t.relative} relative${t.table === 'relr' ? ` ${noun(t.relative, 'word')}` : ''}${skipped.length > 0 ? `, skipped: ${skipped.join(', ')}` : ''}`,
    );
  }
  if (inspection.tables.length === 0 && inspection.localGot === null) lines.push('  none: nothing to relocate');
  if (inspection.textRelocations > 0)
    lines.push(`  ${inspection.textRelocations} ${noun(inspection.textRelocations, 'write')} land in non-writable segments (text relocations)`);
  lines.push('');
  return lines;
}

/** A name as the table prints it: its UTF-8 bytes, and its width in characters as `padEnd` counts them. */
interface Text {
  readonly bytes: Uint8Array;
  readonly width: number;
}

const textOf = (text: string): Text => ({ bytes: fragment(text), width: text.length });
const HEADER = ['source', 'vaddr', 'type', 'addend', 'applied', 'section', 'symbol'];
const SOURCE_NAMES = ROW_SOURCES.map((name) => fragment(`${name}#`));
const SYMBOL_OPEN = fragment(' (symbol ');
const SYMBOL_CLOSE = fragment(')');
const YES = fragment('yes');
const SKIPPED = fragment('skipped');
const PLUS = fragment('+');
/** Every fixed part of a line, its numbers at their longest. */
const LINE_BYTES = 200;

/**
 * The relocation table, aligned as `tableLines` aligns: a first pass over the rows measures the
 * columns, a second writes them. Nothing the size of the table is kept.
 */
function writeRelocationTable(plan: Plan, out: AsciiWriter): void {
  const names = new RowNames(plan, textOf);
  const widths = measureColumns(plan, names);
  out.text(`Relocations (${widths.rows}):\n`);
  const header = HEADER.map((title, column) => title.padEnd(widths.columns[column] as number))
    .join('  ')
    .trimEnd();
  out.text(`  ${header}\n`);
  // Where each column starts in a line. Every column but the last two is ASCII, a byte a
  // character: a column's padding is the distance from where its text ended to the next one.
  const [source, vaddr, type, addend, applied, section] = widths.columns as [number, number, number, number, number, number];
  const vaddrAt = 2 + source + 2;
  const typeAt = vaddrAt + vaddr + 2;
  const addendAt = typeAt + type + 2;
  const appliedAt = addendAt + addend + 2;
  const sectionAt = appliedAt + applied + 2;
  const widest = sectionAt + section + 2;
  forEachRelocation(plan, (row) => {
    names.resolve(row);
    const typeName = names.typeText(row);
    const sectionName = names.section;
    const symbol = names.symbol < 0 ? undefined : names.symbolText(names.symbol);
    const bytes = out.room(LINE_BYTES + widest + typeName.bytes.length + (sectionName?.bytes.length ?? 0) + (symbol?.bytes.length ?? 0));
    const start = out.at;
    let at = putSpaces(bytes, start, 2);
    at = putBytes(bytes, at, SOURCE_NAMES[row.source] as Uint8Array);
    at = putDecimal(bytes, at, row.index);
    at = putSpaces(bytes, at, start + vaddrAt - at);
    at = putHex64(bytes, at, row.vaddrLow, row.vaddrHigh);
    at = putSpaces(bytes, at, start + typeAt - at);
    at = putBytes(bytes, at, typeName.bytes);
    if (row.symbol !== 0) {
      at = putBytes(bytes, at, SYMBOL_OPEN);
      at = putDecimal(bytes, at, row.symbol);
      at = putBytes(bytes, at, SYMBOL_CLOSE);
    }
    at = putSpaces(bytes, at, start + addendAt - at);
    if (row.hasAddend) at = putSignedHex64(bytes, at, row.addendLow, row.addendHigh);
    at = putSpaces(bytes, at, start + appliedAt - at);
    at = putBytes(bytes, at, row.relative ? YES : SKIPPED);
    at = putSpaces(bytes, at, start + sectionAt - at);
    if (sectionName !== null) at = putBytes(bytes, at, sectionName.bytes);
    at = putSpaces(bytes, at, section - (sectionName?.width ?? 0) + 2);
    if (symbol !== undefined) {
      at = putBytes(bytes, at, symbol.bytes);
      if (names.offsetLow !== 0 || names.offsetHigh !== 0) {
        at = putBytes(bytes, at, PLUS);
        at = putHex64(bytes, at, names.offsetLow, names.offsetHigh);
      }
    }
    at = trimEnd(bytes, start, at);
    bytes[at] = 0x0a;
    out.at = at + 1;
  });
}

/** The width of each column (its header's at least) and the number of rows. */
function measureColumns(plan: Plan, names: RowNames<Text>): { readonly columns: readonly number[]; readonly rows: number } {
  let [source, vaddr, type, addend, applied, section, symbol] = HEADER.map((title) => title.length) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let rows = 0;
  forEachRelocation(plan, (row) => {
    names.resolve(row);
    source = Math.max(source, (SOURCE_NAMES[row.source] as Uint8Array).length + decimalLength(row.index));
    vaddr = Math.max(vaddr, hexLength(row.vaddrLow, row.vaddrHigh));
    type = Math.max(type, names.typeText(row).width + (row.symbol === 0 ? 0 : SYMBOL_OPEN.length + decimalLength(row.symbol) + 1));
    if (row.hasAddend) addend = Math.max(addend, signedHexLength(row.addendLow, row.addendHigh));
    applied = Math.max(applied, row.relative ? YES.length : SKIPPED.length);
    section = Math.max(section, names.section?.width ?? 0);
    if (names.symbol >= 0) symbol = Math.max(symbol, names.symbolText(names.symbol).width + offsetLength(names));
    rows++;
  });
  return { columns: [source, vaddr, type, addend, applied, section, symbol], rows };
}

function signedHexLength(low: number, high: number): number {
  if ((high & 0x80000000) === 0) return hexLength(low, high);
  const negatedLow = (~low + 1) >>> 0;
  return 1 + hexLength(negatedLow, (~high + (negatedLow === 0 ? 1 : 0)) >>> 0);
}

function offsetLength(names: RowNames<Text>): number {
  return names.offsetLow === 0 && names.offsetHigh === 0 ? 0 : 1 + hexLength(names.offsetLow, names.offsetHigh);
}

/** Drops what `String.prototype.trimEnd` drops from a latin-1 line in UTF-8: tab to carriage return, space, and U+00A0. */
function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  for (;;) {
    if (end <= start) return end;
    const last = bytes[end - 1] as number;
    if (last === 0x20 || (last >= 0x09 && last <= 0x0d)) end--;
    else if (last === 0xa0 && end - 2 >= start && bytes[end - 2] === 0xc2) end -= 2;
    else return end;
  }
}
