import { convertFile, unpack } from '../convert/index.js';
import { inputFile, type Output, oneFile, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';
import { CONVERSION_OPTIONS, outputOf, report } from './pack.js';

export async function unpackCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...CONVERSION_OPTIONS, format: { type: 'string' } });
  const file = inputFile(oneFile(positionals));
  const target = outputOf(values.output, values['dry-run'] === true);
  const format = values.format;
  if (format !== undefined && format !== 'rel' && format !== 'rela') throw usageError(`--format takes rel or rela, not '${format}'`);
  out.write(report(file, target, () => convertFile(file, target, (elf) => unpack(elf, format === undefined ? {} : { format }))));
  return 0;
}
