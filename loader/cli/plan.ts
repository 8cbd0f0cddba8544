import { hex, readElfFile } from '../../elf/index.js';
import { relocate } from '../engines/index.js';
import { finalWrites, planJson } from '../model/index.js';
import { type Output, oneFile, parseAddress, parseCommand, parseEngine } from './arguments.js';
import { usageError } from './exit-codes.js';

export async function planCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    base: { type: 'string' },
    json: { type: 'boolean' },
    engine: { type: 'string', default: 'ts' },
  });
  const file = oneFile(positionals);
  if (values.base === undefined) throw usageError('--base ADDR is required: the plan gives absolute addresses');
  const base = parseAddress(values.base, '--base');
  const elf = readElfFile(file);
  if (base >= 1n << BigInt(elf.reader.wordSize * 8)) throw usageError(`--base ${hex(base)} does not fit a ${elf.reader.wordSize * 8}-bit address`);
  const { plan: planned, image } = relocate(elf, base, parseEngine(values.engine));
  if (values.json === true) {
    out.write(planJson(planned, image, base));
    return 0;
  }
  const writes = finalWrites(planned, image, base);
  const lines = [`${file}: ${writes.length} words relocated at base ${hex(base)}, ${planned.skipped.length} relocations skipped`];
  for (const write of writes) lines.push(`  ${hex(write.address)} = ${hex(write.value)}  (${write.source})`);
  for (const skip of planned.skipped) lines.push(`  skipped ${skip.table}#${skip.index}: ${skip.typeName} at ${hex(skip.offset)}`);
  out.write(`${lines.join('\n')}\n`);
  return 0;
}
