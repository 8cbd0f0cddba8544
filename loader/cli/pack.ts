import { convertFile, pack, renderConversion, SameFileError } from '../convert/index.js';
import { inputFile, type Output, oneFile, outputFile, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';

export const CONVERSION_OPTIONS = { output: { type: 'string', short: 'o' }, 'dry-run': { type: 'boolean' } } as const;

export async function packCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, CONVERSION_OPTIONS);
  const file = inputFile(oneFile(positionals));
  const target = outputOf(values.output, values['dry-run'] === true);
  out.write(report(file, target, () => convertFile(file, target, pack)));
  return 0;
}

/** OUT, or undefined for a dry run, which writes nothing (and may leave -o out). */
export function outputOf(output: string | undefined, dryRun: boolean): string | undefined {
  if (dryRun) return undefined;
  if (output === undefined) throw usageError('-o OUT is missing');
  return outputFile(output, '-o');
}

/** The report, and where OUT went; OUT being FILE is a usage error. */
export function report(file: string, target: string | undefined, run: () => ReturnType<typeof convertFile>): string {
  let conversion: ReturnType<typeof convertFile>;
  try {
    conversion = run();
  } catch (error) {
    if (error instanceof SameFileError) throw usageError(error.message);
    throw error;
  }
  const written = target === undefined ? '' : conversion.changed ? `wrote ${target}\n` : `wrote ${target}, a copy of ${file}\n`;
  return renderConversion(file, conversion) + written;
}
