import { buildProgram } from '../toolchain/index.js';
import { type Output, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';

export async function buildProgramCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    arch: { type: 'string' },
    relr: { type: 'boolean' },
    dump: { type: 'boolean' },
    cflag: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length === 0) throw usageError('SRC.c is missing');
  if (values.arch === undefined) throw usageError('--arch ARCH is required');
  if (values.output === undefined) throw usageError('-o OUT is required');
  await buildProgram({
    sources: positionals,
    arch: values.arch,
    relr: values.relr === true,
    dump: values.dump === true,
    cflags: values.cflag ?? [],
    output: values.output,
  });
  out.write(`${values.output}\n`);
  return 0;
}
