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
  type RelocationRow,
  ROW_SOURCES,
  RowNames,
  rowSource,
  writeInspectionJson,
} from '../model/index.js';
import { noun } from '../wording.js';
import { inputFile, type Output, oneFile, parseCommand } from './arguments.js';

export async function inspectCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } });
  const file = inputFile(oneFile(positionals));
  const planned = plan(readElfFile(file));
  const out = new AsciiWriter((chunk) => output.write(chunk));
  if (values.json === true) writeInspectionJson(planned, out);
  else writeInspectionText(file, planned, out);
  out.flush();
  return 0;
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
const COLUMNS = HEADER.length;
/** Every fixed part of a line, its numbers at their longest. */
const LINE_BYTES = 200;

/**
 * The relocation table, aligned as `tableLines` aligns: a first pass over the rows measures the
 * columns, a second writes them. Nothing the size of the table is kept.
 */
function writeRelocationTable(plan: Plan, out: AsciiWriter): void {
  const names = new RowNames(plan, textOf);
  const widths = HEADER.map((title) => title.length);
  const cells = new Array<number>(COLUMNS).fill(0);
  const measure = (row: RelocationRow): void => {
    names.resolve(row);
    cells[0] = rowSource(row).length + 1 + decimalLength(row.index);
    cells[1] = hexLength(row.vaddrLow, row.vaddrHigh);
    cells[2] = names.typeText(row).width + (row.symbol === 0 ? 0 : SYMBOL_OPEN.length + decimalLength(row.symbol) + 1);
    cells[3] = row.hasAddend ? signedHexLength(row.addendLow, row.addendHigh) : 0;
    cells[4] = row.relative ? YES.length : SKIPPED.length;
    cells[5] = names.section?.width ?? 0;
    cells[6] = names.symbol < 0 ? 0 : names.symbolText(names.symbol).width + offsetLength(names);
  };
  let count = 0;
  forEachRelocation(plan, (row) => {
    measure(row);
    for (let column = 0; column < COLUMNS; column++)
      if ((cells[column] as number) > (widths[column] as number)) widths[column] = cells[column] as number;
    count++;
  });
  out.text(`Relocations (${count}):\n`);
  const header = HEADER.map((title, column) => title.padEnd(widths[column] as number))
    .join('  ')
    .trimEnd();
  out.text(`  ${header}\n`);
  const widest = widths.reduce((sum, width) => sum + width + 2, 0);
  forEachRelocation(plan, (row) => {
    measure(row);
    const typeName = names.typeText(row);
    const section = names.section;
    const symbol = names.symbol < 0 ? undefined : names.symbolText(names.symbol);
    const bytes = out.room(LINE_BYTES + widest + typeName.bytes.length + (section?.bytes.length ?? 0) + (symbol?.bytes.length ?? 0));
    const start = out.at;
    let at = putSpaces(bytes, start, 2);
    const pad = (column: number): void => {
      at = putSpaces(bytes, at, (widths[column] as number) - (cells[column] as number) + 2);
    };
    at = putBytes(bytes, at, SOURCE_NAMES[row.source] as Uint8Array);
    at = putDecimal(bytes, at, row.index);
    pad(0);
    at = putHex64(bytes, at, row.vaddrLow, row.vaddrHigh);
    pad(1);
    at = putBytes(bytes, at, typeName.bytes);
    if (row.symbol !== 0) {
      at = putBytes(bytes, at, SYMBOL_OPEN);
      at = putDecimal(bytes, at, row.symbol);
      at = putBytes(bytes, at, SYMBOL_CLOSE);
    }
    pad(2);
    if (row.hasAddend) at = putSignedHex64(bytes, at, row.addendLow, row.addendHigh);
    pad(3);
    at = putBytes(bytes, at, row.relative ? YES : SKIPPED);
    pad(4);
    if (section !== null) at = putBytes(bytes, at, section.bytes);
    pad(5);
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
