import { readElfFile } from '../../elf/index.js';
import { PiekitError } from '../errors.js';
import { requireLoadBase } from '../model/index.js';
import { describeModel, isRefusal, modelLoad, runThroughLoader } from '../userland/index.js';
import { inputFile, type Output, parseAddress, parseCommand } from './arguments.js';
import { usageError } from './exit-codes.js';

/** `piekit run`: the program's own stdio and exit status, as if the kernel had run it at that base. */
export async function runCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals, rest } = parseCommand(args, { base: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  // Operands after FILE belong to the program, with or without `--`.
  const [path, ...programArgs] = [...positionals, ...rest];
  if (path === undefined) throw usageError('FILE is missing');
  const base = values.base === undefined || values.base === 'random' ? 'random' : parseAddress(values.base, '--base');
  const elf = readElfFile(inputFile(path, values['dry-run'] === true ? 'read' : 'execute'));
  if (base !== 'random') requireLoadBase(elf, base);
  if (values['dry-run'] === true) {
    if (base === 'random') throw usageError('--dry-run needs a --base ADDR: a random base is chosen by the loader when it runs');
    const model = modelLoad(elf, base, [path, ...programArgs], Object.keys(process.env).length);
    if (isRefusal(model)) throw new PiekitError('LOADER_REFUSES', `the loader would refuse ${path} with status ${model.status}: ${model.line}`);
    out.write(describeModel(model));
    return 0;
  }
  return runThroughLoader(elf, path, base, programArgs);
}
