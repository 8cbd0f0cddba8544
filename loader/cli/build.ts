import { parseArgs } from 'node:util';
import { BuildError, buildProgram } from '../build.js';
import { CliError, EXIT_INVALID_INPUT, usageError } from './errors.js';
import type { Output } from './io.js';

export async function buildCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      arch: { type: 'string' },
      relr: { type: 'boolean' },
      dump: { type: 'boolean' },
      cflag: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
    },
    allowPositionals: true,
  });
  if (positionals.length === 0 || values.arch === undefined || values.output === undefined) throw usageError('wrong arguments');
  try {
    await buildProgram({
      sources: positionals,
      arch: values.arch,
      relr: values.relr === true,
      dump: values.dump === true,
      cflags: values.cflag ?? [],
      output: values.output,
    });
  } catch (error) {
    if (error instanceof BuildError) throw error.kind === 'usage' ? usageError(error.message) : new CliError(EXIT_INVALID_INPUT, error.message);
    throw error;
  }
  out.write(`${values.output}\n`);
  return 0;
}
