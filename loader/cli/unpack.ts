import { unpack } from '../convert/index.js';
import { type Output, oneFile, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';
import { CONVERSION_OPTIONS, convertCommand } from './pack.js';

export async function unpackCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...CONVERSION_OPTIONS, format: { type: 'string' }, 'keep-addends': { type: 'boolean' } });
  const format = values.format;
  if (format !== undefined && format !== 'rel' && format !== 'rela') throw usageError(`--format takes rel or rela, not '${format}'`);
  const keepAddends = values['keep-addends'] === true;
  return convertCommand(oneFile(positionals), values, (elf) => unpack(elf, { ...(format === undefined ? {} : { format }), keepAddends }), out);
}
