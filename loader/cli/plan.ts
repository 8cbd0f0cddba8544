import { hex, readElfFile, wordHalves } from '../../elf/index.js';
import { relocate } from '../engines/index.js';
import {
  type AsciiWriter,
  finalWriteIndexes,
  fragment,
  type Image,
  type Plan,
  putBytes,
  putDecimal,
  putHex64,
  requireLoadBase,
  SOURCES,
  splitWord,
  TWO_32,
  typeNameBytes,
  writePlanJson,
} from '../model/index.js';
import { noun } from '../wording.js';
import { documentWriter, inputFile, type Output, oneFile, parseAddress, parseCommand, parseEngine } from './arguments.js';
import { usageError } from './exit-codes.js';

export async function planCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    base: { type: 'string' },
    json: { type: 'boolean' },
    engine: { type: 'string', default: 'ts' },
  });
  const file = inputFile(oneFile(positionals));
  if (values.base === undefined) throw usageError('--base ADDR is required: the plan gives absolute addresses');
  const base = parseAddress(values.base, '--base');
  const elf = readElfFile(file);
  requireLoadBase(elf, base);
  const { plan: planned, image } = relocate(elf, base, parseEngine(values.engine));
  const out = documentWriter(output);
  if (values.json === true) writePlanJson(planned, image, base, out);
  else writePlanText(file, planned, image, base, out);
  out.flush();
  return 0;
}

const INDENT = fragment('  ');
const EQUALS = fragment(' = ');
const SOURCE_OPEN = SOURCES.map((name) => fragment(`  (${name}#`));
const SOURCE_CLOSE = fragment(')\n');
const SKIP_OPEN = { rel: fragment('  skipped rel#'), rela: fragment('  skipped rela#') } as const;
const COLON = fragment(': ');
const AT = fragment(' at ');
const NEWLINE = fragment('\n');
/** A skipped entry's line but its type's name: an entry index and an address at their longest. */
const BYTES_PER_SKIP_LINE = SKIP_OPEN.rela.length + 10 + COLON.length + AT.length + 18 + NEWLINE.length;
/** Two addresses, a source and an entry index at their longest. */
const BYTES_PER_LINE = 2 + 18 + 3 + 18 + 8 + 10 + 2;

/** One line per relocated word (`address = value  (source)`), then one per skipped entry, then one per entry resolved at run time. */
function writePlanText(file: string, plan: Plan, image: Image, base: bigint, out: AsciiWriter): void {
  const size = plan.layout.wordSize;
  const indexes = finalWriteIndexes(plan);
  let skipped = 0;
  plan.forEachSkipped(() => {
    skipped++;
  });
  const resolved = plan.resolvedAtRunTime;
  const resolvedCount = resolved.length === 0 ? '' : `, ${resolved.length} resolved at run time`;
  out.text(
    `${file}: ${indexes.length} ${noun(indexes.length, 'word')} relocated at base ${hex(base)}, ${skipped} ${noun(skipped, 'relocation')} skipped${resolvedCount}
`,
  );
  const [originLow, originHigh] = splitWord(BigInt.asUintN(size * 8, base + plan.layout.start));
  const { targets, sources, entries } = plan.writes;
  const { view, little, origin } = image;
  const { lowAt, highAt } = wordHalves(size, little);
  for (let n = 0; n < indexes.length; n++) {
    const index = indexes[n] as number;
    const target = targets[index] as number;
    const sum = originLow + target;
    const inImage = target - origin;
    const bytes = out.room(BYTES_PER_LINE);
    let at = putBytes(bytes, out.at, INDENT);
    at = putHex64(bytes, at, sum >>> 0, size === 8 ? (originHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0 : 0);
    at = putBytes(bytes, at, EQUALS);
    at = putHex64(bytes, at, view.getUint32(inImage + lowAt, little), size === 4 ? 0 : view.getUint32(inImage + highAt, little));
    at = putBytes(bytes, at, SOURCE_OPEN[sources[index] as number] as Uint8Array);
    at = putDecimal(bytes, at, entries[index] as number);
    out.at = putBytes(bytes, at, SOURCE_CLOSE);
  }
  const nameOf = typeNameBytes(plan.elf.arch);
  plan.forEachSkipped((table, index, offsetLow, offsetHigh, type) => {
    const name = nameOf(type);
    const bytes = out.room(BYTES_PER_SKIP_LINE + name.length);
    let at = putBytes(bytes, out.at, SKIP_OPEN[table]);
    at = putDecimal(bytes, at, index);
    at = putBytes(bytes, at, COLON);
    at = putBytes(bytes, at, name);
    at = putBytes(bytes, at, AT);
    at = putHex64(bytes, at, offsetLow, offsetHigh);
    out.at = putBytes(bytes, at, NEWLINE);
  });
  for (const entry of resolved) out.text(`  resolved at run time ${entry.table}#${entry.index}: ${entry.typeName} at ${hex(entry.offset)}\n`);
}
