import { ET_DYN, readElfFile } from '../../elf/index.js';
import {
  type AsciiWriter,
  decimalLength,
  forEachRowBlock,
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
  putSymbolName,
  ROW_SOURCES,
  RowNames,
  writeInspectionJson,
} from '../model/index.js';
import { noun } from '../wording.js';
import { documentWriter, inputFile, type Output, oneFile, parseCommand } from './arguments.js';

export async function inspectCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } });
  const file = inputFile(oneFile(positionals));
  const planned = plan(readElfFile(file));
  const out = documentWriter(output);
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
const YES = fragment('yes');
const SKIPPED = fragment('skipped');
/** Every fixed part of a line, its numbers at their longest. */
const LINE_BYTES = 200;

/**
 * The relocation table, aligned as `tableLines` aligns: a first pass over the rows measures the
 * columns, a second writes them with the names the first found.
 */
function writeRelocationTable(plan: Plan, out: AsciiWriter): void {
  const names = new RowNames(plan, textOf, true);
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
  const { symbols, stretches, offsetLows, offsetHighs } = names;
  names.rewind();
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    const { source: sources, index, vaddrLow, vaddrHigh, type: types, symbol: symbolNumbers, hasAddend, addendLow, addendHigh, relative } = rows;
    for (let row = 0; row < rows.count; row++) {
      const symbolNumber = symbolNumbers[row] as number;
      const typeName = names.typeText(sources[row] as number, types[row] as number);
      const sectionName = names.sectionText(stretches[row] as number);
      const holder = symbols[row] as number;
      const symbol = holder < 0 ? undefined : names.symbolText(holder);
      const bytes = out.room(LINE_BYTES + widest + typeName.bytes.length + (sectionName?.bytes.length ?? 0) + (symbol?.bytes.length ?? 0));
      const start = out.at;
      // Blanks to the section column, each column written at its start over them.
      bytes.fill(0x20, start, start + sectionAt);
      let at = putBytes(bytes, start + 2, SOURCE_NAMES[sources[row] as number] as Uint8Array);
      putDecimal(bytes, at, index[row] as number);
      putHex64(bytes, start + vaddrAt, vaddrLow[row] as number, vaddrHigh[row] as number);
      at = putBytes(bytes, start + typeAt, typeName.bytes);
      if (symbolNumber !== 0) {
        at = putBytes(bytes, at, SYMBOL_OPEN);
        at = putDecimal(bytes, at, symbolNumber);
        bytes[at] = 0x29;
      }
      if (hasAddend[row] === 1) putSignedHex64(bytes, start + addendAt, addendLow[row] as number, addendHigh[row] as number);
      at = putBytes(bytes, start + appliedAt, relative[row] === 1 ? YES : SKIPPED);
      if (sectionName !== null) at = putBytes(bytes, start + sectionAt, sectionName.bytes);
      if (symbol !== undefined) {
        at = putSpaces(bytes, at, sectionName === null ? start + sectionAt + section + 2 - at : section - sectionName.width + 2);
        at = putSymbolName(bytes, at, symbol.bytes, offsetLows[row] as number, offsetHighs[row] as number);
      }
      at = trimEnd(bytes, start, at);
      bytes[at] = 0x0a;
      out.at = at + 1;
    }
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
  let count = 0;
  const { symbols, stretches, offsetLows, offsetHighs } = names;
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    for (let row = 0; row < rows.count; row++) {
      const symbolNumber = rows.symbol[row] as number;
      source = Math.max(source, (SOURCE_NAMES[rows.source[row] as number] as Uint8Array).length + decimalLength(rows.index[row] as number));
      vaddr = Math.max(vaddr, hexLength(rows.vaddrLow[row] as number, rows.vaddrHigh[row] as number));
      const typeWidth = names.typeText(rows.source[row] as number, rows.type[row] as number).width;
      type = Math.max(type, typeWidth + (symbolNumber === 0 ? 0 : SYMBOL_OPEN.length + decimalLength(symbolNumber) + 1));
      if (rows.hasAddend[row] === 1) addend = Math.max(addend, signedHexLength(rows.addendLow[row] as number, rows.addendHigh[row] as number));
      applied = Math.max(applied, rows.relative[row] === 1 ? YES.length : SKIPPED.length);
      section = Math.max(section, names.sectionText(stretches[row] as number)?.width ?? 0);
      const holder = symbols[row] as number;
      if (holder >= 0)
        symbol = Math.max(symbol, names.symbolText(holder).width + offsetLength(offsetLows[row] as number, offsetHighs[row] as number));
    }
    count += rows.count;
  });
  return { columns: [source, vaddr, type, addend, applied, section, symbol], rows: count };
}

function signedHexLength(low: number, high: number): number {
  if ((high & 0x80000000) === 0) return hexLength(low, high);
  const negatedLow = (~low + 1) >>> 0;
  return 1 + hexLength(negatedLow, (~high + (negatedLow === 0 ? 1 : 0)) >>> 0);
}

function offsetLength(low: number, high: number): number {
  return low === 0 && high === 0 ? 0 : 1 + hexLength(low, high);
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
