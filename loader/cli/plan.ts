import { parseArgs } from 'node:util';
import { relocate } from '../engine.js';
import { finalWrites, planJson } from '../writes.js';
import { loadElf, parseAddress, parseEngine, type Output } from './io.js';
import { usageError } from './errors.js';
import { hex } from '../../elf/index.js';

export async function planCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { base: { type: 'string' }, json: { type: 'boolean' }, engine: { type: 'string', default: 'ts' } },
    allowPositionals: true,
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('wrong arguments');
  if (values.base === undefined) throw usageError('--base ADDR is required: the plan gives absolute addresses');
  const base = parseAddress(values.base, '--base');
  const elf = await loadElf(file);
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
