import { parseArgs } from 'node:util';
import { buildProgram } from '../build.js';
import { usageError } from './errors.js';
import type { Output } from './io.js';

export async function buildCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { arch: { type: 'string' }, relr: { type: 'boolean' }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
  });
  if (positionals.length === 0 || values.arch === undefined || values.output === undefined) throw usageError('wrong arguments');
  await buildProgram({ sources: positionals, arch: values.arch, relr: values.relr === true, output: values.output });
  out.write(`${values.output}\n`);
  return 0;
}
