import type { ElfFile } from '../../elf/index.js';
import { type Conversion, conversionJson, convertFileWhileCopying, pack, renderConversion } from '../convert/index.js';
import { inputFile, type Output, oneFile, outputFile, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';

export const CONVERSION_OPTIONS = {
  output: { type: 'string', short: 'o' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export async function packCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, CONVERSION_OPTIONS);
  return convertCommand(oneFile(positionals), values, pack, out);
}

/** What pack and unpack share: OUT or --dry-run, --force, the report as text or JSON. */
export async function convertCommand(
  operand: string,
  values: { output?: string | undefined; 'dry-run'?: boolean | undefined; force?: boolean | undefined; json?: boolean | undefined },
  convert: (elf: ElfFile) => Conversion,
  out: Output,
): Promise<number> {
  const file = inputFile(operand);
  const target = outputOf(values.output, values['dry-run'] === true);
  const conversion = await convertFileWhileCopying(file, target, convert, { force: values.force === true });
  if (values.json === true) {
    out.write(`${JSON.stringify(conversionJson(file, conversion, target ?? null), null, 2)}\n`);
    return 0;
  }
  const written = target === undefined ? '' : conversion.changed ? `wrote ${target}\n` : `wrote ${target}, a copy of ${file}\n`;
  out.write(renderConversion(file, conversion) + written);
  return 0;
}

/** OUT, or undefined for a dry run, which writes nothing (and may leave -o out). */
function outputOf(output: string | undefined, dryRun: boolean): string | undefined {
  if (dryRun) return undefined;
  if (output === undefined) throw usageError('-o OUT is missing');
  return outputFile(output, '-o');
}
