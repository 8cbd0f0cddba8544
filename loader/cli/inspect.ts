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
  perShape,
  plan,
  putBytes,
  putDecimal,
  putHex64,
  putSignedHex64,
  putSymbolName,
  ROW_SOURCES,
  RowNames,
  writeInspectionJson,
} from '../model/index.js';
import { columns, noun } from '../wording.js';
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
    ...columns([
      ['#', 'type', 'offset', 'vaddr', 'filesz', 'memsz', 'flags', 'align'],
      ...inspection.segments.map((s) => [String(s.index), s.type, s.offset, s.vaddr, s.filesz, s.memsz, s.flags, s.align]),
    ]),
    '',
    `Dynamic entries (${inspection.dynamic.length}):`,
    ...columns(inspection.dynamic.map((entry) => [entry.name, entry.tag, entry.value])),
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
/** Every part of a line but its shape's fixed text and its symbol's name, its numbers at their longest. */
const LINE_BYTES = 200;

/** Where each column starts in a line (every column before the section is ASCII, a byte a character), and the section's width. */
interface Columns {
  readonly vaddrAt: number;
  readonly typeAt: number;
  readonly addendAt: number;
  readonly appliedAt: number;
  readonly sectionAt: number;
  readonly section: number;
}

/**
 * A shape's line with its fixed text in place and blanks where the row's numbers go, up to where
 * its symbol starts: `indexAt` after the source's name, `typeEnd` after the type's name, `end`
 * where a line without a symbol ends, trimmed as `columns` trims.
 */
interface RowTemplate {
  readonly bytes: Uint8Array;
  readonly indexAt: number;
  readonly typeEnd: number;
  readonly end: number;
}

function rowTemplate(names: RowNames<Text>, shape: number, columns: Columns): RowTemplate {
  const source = names.shapeSources[shape] as number;
  const sourceName = SOURCE_NAMES[source] as Uint8Array;
  const typeName = names.typeText(source, names.shapeTypes[shape] as number);
  const section = names.sectionText(names.shapeStretches[shape] as number);
  const { typeAt, appliedAt, sectionAt } = columns;
  // The symbol column starts two blanks after the section's; a section name's bytes may outnumber its characters.
  const length = sectionAt + columns.section + 2 + (section === null ? 0 : section.bytes.length - section.width);
  const bytes = new Uint8Array(length).fill(0x20);
  putBytes(bytes, 2, sourceName);
  putBytes(bytes, typeAt, typeName.bytes);
  putBytes(bytes, appliedAt, names.shapeRelative[shape] === 1 ? YES : SKIPPED);
  if (section !== null) putBytes(bytes, sectionAt, section.bytes);
  return { bytes, indexAt: 2 + sourceName.length, typeEnd: typeAt + typeName.bytes.length, end: trimEnd(bytes, 0, length) };
}

/**
 * The relocation table, aligned as `columns` aligns: a first pass over the rows measures the
 * columns, a second writes each line as its shape's template with the row's numbers and symbol.
 */
function writeRelocationTable(plan: Plan, out: AsciiWriter): void {
  const names = new RowNames(plan, textOf, true);
  const widths = measureColumns(plan, names);
  out.text(`Relocations (${widths.rows}):\n`);
  const header = HEADER.map((title, column) => title.padEnd(widths.columns[column] as number))
    .join('  ')
    .trimEnd();
  out.text(`  ${header}\n`);
  const [source, vaddr, type, addend, applied, section] = widths.columns as [number, number, number, number, number, number];
  const vaddrAt = 2 + source + 2;
  const typeAt = vaddrAt + vaddr + 2;
  const addendAt = typeAt + type + 2;
  const appliedAt = addendAt + addend + 2;
  const columns: Columns = { vaddrAt, typeAt, addendAt, appliedAt, sectionAt: appliedAt + applied + 2, section };
  const templateOf = perShape((shape) => rowTemplate(names, shape, columns));
  const { shapes, symbols, offsetLows, offsetHighs } = names;
  names.rewind();
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    const { index, vaddrLow, vaddrHigh, symbol: symbolNumbers, hasAddend, addendLow, addendHigh } = rows;
    for (let row = 0; row < rows.count; row++) {
      const template = templateOf(shapes[row] as number);
      const holder = symbols[row] as number;
      const symbol = holder < 0 ? undefined : names.symbolText(holder);
      const fixed = template.bytes;
      const bytes = out.room(LINE_BYTES + fixed.length + (symbol === undefined ? 0 : symbol.bytes.length));
      const start = out.at;
      putBytes(bytes, start, fixed);
      putDecimal(bytes, start + template.indexAt, index[row] as number);
      putHex64(bytes, start + vaddrAt, vaddrLow[row] as number, vaddrHigh[row] as number);
      const symbolNumber = symbolNumbers[row] as number;
      if (symbolNumber !== 0) {
        const at = putDecimal(bytes, putBytes(bytes, start + template.typeEnd, SYMBOL_OPEN), symbolNumber);
        bytes[at] = 0x29;
      }
      if (hasAddend[row] === 1) putSignedHex64(bytes, start + addendAt, addendLow[row] as number, addendHigh[row] as number);
      let end = start + template.end;
      if (symbol !== undefined) {
        end = putSymbolName(bytes, start + fixed.length, symbol.bytes, offsetLows[row] as number, offsetHighs[row] as number);
        end = trimEnd(bytes, start, end);
      }
      bytes[end] = 0x0a;
      out.at = end + 1;
    }
  });
}

/**
 * The width of each column (its header's at least) and the number of rows. The symbol's, last,
 * is not measured: trimmed, a line ends where its symbol does.
 */
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
  // Maxima by source and by shape, measured once at the end: widths grow with the numbers.
  const maxIndexes = ROW_SOURCES.map(() => -1);
  const maxSymbolNumbers: number[] = [];
  let maxVaddrLow = 0;
  let maxVaddrHigh = 0;
  let count = 0;
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    while (maxSymbolNumbers.length < names.shapeCount) maxSymbolNumbers.push(0);
    const { source: sources, index, vaddrLow, vaddrHigh, symbol: symbolNumbers, hasAddend, addendLow, addendHigh } = rows;
    const shapes = names.shapes;
    // Nothing after the loop: V8 compiles it on stack replacement, without feedback for what follows.
    count += rows.count;
    for (let row = 0; row < rows.count; row++) {
      const rowSource = sources[row] as number;
      if ((index[row] as number) > (maxIndexes[rowSource] as number)) maxIndexes[rowSource] = index[row] as number;
      const low = vaddrLow[row] as number;
      const high = vaddrHigh[row] as number;
      if (high > maxVaddrHigh || (high === maxVaddrHigh && low > maxVaddrLow)) {
        maxVaddrHigh = high;
        maxVaddrLow = low;
      }
      const symbolNumber = symbolNumbers[row] as number;
      const shape = shapes[row] as number;
      if (symbolNumber > (maxSymbolNumbers[shape] as number)) maxSymbolNumbers[shape] = symbolNumber;
      if (hasAddend[row] === 1) addend = Math.max(addend, signedHexLength(addendLow[row] as number, addendHigh[row] as number));
    }
  });
  maxIndexes.forEach((maxIndex, rowSource) => {
    if (maxIndex >= 0) source = Math.max(source, (SOURCE_NAMES[rowSource] as Uint8Array).length + decimalLength(maxIndex));
  });
  if (count > 0) vaddr = Math.max(vaddr, hexLength(maxVaddrLow, maxVaddrHigh));
  for (let shape = 0; shape < names.shapeCount; shape++) {
    const symbolNumber = maxSymbolNumbers[shape] as number;
    const typeWidth = names.typeText(names.shapeSources[shape] as number, names.shapeTypes[shape] as number).width;
    type = Math.max(type, typeWidth + (symbolNumber === 0 ? 0 : SYMBOL_OPEN.length + decimalLength(symbolNumber) + 1));
    applied = Math.max(applied, names.shapeRelative[shape] === 1 ? YES.length : SKIPPED.length);
    section = Math.max(section, names.sectionText(names.shapeStretches[shape] as number)?.width ?? 0);
  }
  return { columns: [source, vaddr, type, addend, applied, section, symbol], rows: count };
}

function signedHexLength(low: number, high: number): number {
  if ((high & 0x80000000) === 0) return hexLength(low, high);
  const negatedLow = (~low + 1) >>> 0;
  return 1 + hexLength(negatedLow, (~high + (negatedLow === 0 ? 1 : 0)) >>> 0);
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
