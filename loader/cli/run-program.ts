import { parseArgs } from 'node:util';
import { hex } from '../../elf/index.js';
import { describeModel, modelLoad, pageSizeOf, runThroughLoader } from '../userland.js';
import { usageError } from './errors.js';
import { loadElf, parseAddress, type Output } from './io.js';

/** `piekit run`: the program's own stdio and exit status, as if the kernel had run it at that base. */
export async function runCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { base: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    allowPositionals: true,
  });
  const [file, ...programArgs] = positionals;
  if (file === undefined) throw usageError('wrong arguments');
  const base = values.base === undefined || values.base === 'random' ? 'random' : parseAddress(values.base, '--base');
  const elf = await loadElf(file);
  if (values['dry-run'] === true) {
    if (base === 'random') throw usageError('--dry-run needs a --base ADDR: a random base is chosen by the loader when it runs');
    const page = pageSizeOf(elf.arch.name);
    if (base % page !== 0n) throw usageError(`--base ${hex(base)} is not aligned to the ${page}-byte pages of ${elf.arch.name}`);
    out.write(describeModel(modelLoad(elf, base, [file, ...programArgs], Object.keys(process.env).length)));
    return 0;
  }
  return runThroughLoader(elf, file, base, programArgs);
}
