import { readElfFile } from '../../elf/index.js';
import { requireLoadBase } from '../model/index.js';
import { renderTrace, type TraceOptions, traceFile, traceJson } from '../trace/index.js';
import { inputFile, type Output, oneFile, parseAddress, parseCommand } from './arguments.js';
import { EXIT_DIFFERENCE, EXIT_OK } from './exit-codes.js';

/** `piekit trace`: every load and store of a static-PIE's startup under qemu-user, judged against the plan. */
export async function traceCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals, rest } = parseCommand(args, {
    'stop-at': { type: 'string' },
    base: { type: 'string' },
    json: { type: 'boolean' },
  });
  const file = oneFile(positionals);
  const stopAt = values['stop-at'];
  const options: TraceOptions = {
    ...(stopAt === undefined ? {} : { stopAt: /^(0x[0-9a-f]+|[0-9]+)$/i.test(stopAt) ? parseAddress(stopAt, '--stop-at') : stopAt }),
    ...(values.base === undefined ? {} : { base: values.base === 'random' ? 'random' : parseAddress(values.base, '--base') }),
    args: rest,
  };
  const elf = readElfFile(inputFile(file, 'execute'));
  if (typeof options.base === 'bigint') requireLoadBase(elf, options.base);
  const report = await traceFile(file, options);
  out.write(values.json === true ? traceJson(report) : renderTrace(report));
  return report.clean ? EXIT_OK : EXIT_DIFFERENCE;
}
