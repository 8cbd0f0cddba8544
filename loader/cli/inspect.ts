import { ET_DYN, readElfFile } from '../../elf/index.js';
import { type Inspection, inspect, plan } from '../model/index.js';
import { type Output, oneFile, parseCommand } from './arguments.js';

export async function inspectCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } });
  const file = oneFile(positionals);
  const inspection = inspect(plan(readElfFile(file)));
  out.write(values.json === true ? `${JSON.stringify(inspection, null, 2)}\n` : renderInspection(file, inspection));
  return 0;
}

function renderInspection(file: string, inspection: Inspection): string {
  const lines: string[] = [];
  const table = (rows: readonly (readonly string[])[]): void => {
    // A reduce, not Math.max(...rows): a spread of 100,000 rows overflows the stack.
    const widths = rows[0]?.map((_, column) => rows.reduce((width, row) => Math.max(width, row[column]?.length ?? 0), 0)) ?? [];
    for (const row of rows)
      lines.push(
        `  ${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}`,
      );
  };
  lines.push(
    `${file}: ELF${inspection.class} ${inspection.endian}-endian ${inspection.arch} (e_machine ${inspection.machine}, e_flags ${inspection.flags}), ` +
      `e_type ${inspection.type === ET_DYN ? 'ET_DYN' : inspection.type}, entry ${inspection.entry}`,
    '',
    `Segments (${inspection.segments.length}):`,
  );
  table([
    ['#', 'type', 'offset', 'vaddr', 'filesz', 'memsz', 'flags', 'align'],
    ...inspection.segments.map((s) => [String(s.index), s.type, s.offset, s.vaddr, s.filesz, s.memsz, s.flags, s.align]),
  ]);
  lines.push('', `Dynamic entries (${inspection.dynamic.length}):`);
  table(inspection.dynamic.map((entry) => [entry.name, entry.tag, entry.value]));
  lines.push('', 'Tables:');
  if (inspection.localGot !== null) lines.push(`  local GOT at ${inspection.localGot.vaddr}: ${inspection.localGot.count} words relocated first`);
  for (const t of inspection.tables) {
    const skipped = Object.entries(t.skipped).map(([name, count]) => `${name} ${count}`);
    lines.push(
      `  ${t.table} at ${t.vaddr}: ${t.size} bytes, ${t.entries} entries of ${t.entrySize} bytes, ` +
        `${t.relative} relative${t.table === 'relr' ? ' words' : ''}${skipped.length > 0 ? `, skipped: ${skipped.join(', ')}` : ''}`,
    );
  }
  if (inspection.tables.length === 0 && inspection.localGot === null) lines.push('  none: nothing to relocate');
  if (inspection.textRelocations > 0) lines.push(`  ${inspection.textRelocations} writes land in non-writable segments (text relocations)`);
  lines.push('', `Relocations (${inspection.relocations.length}):`);
  table([
    ['source', 'vaddr', 'type', 'addend', 'applied', 'section', 'symbol'],
    ...inspection.relocations.map((r) => [
      r.source,
      r.vaddr,
      r.symbol === 0 ? r.typeName : `${r.typeName} (symbol ${r.symbol})`,
      r.addend ?? '',
      r.relative ? 'yes' : 'skipped',
      r.section ?? '',
      r.name ?? '',
    ]),
  ]);
  return `${lines.join('\n')}\n`;
}
