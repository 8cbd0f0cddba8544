import { parseArgs } from 'node:util';
import { type ElfFile, hex, readElfFile } from '../../elf/index.js';
import { relocate } from '../engines/index.js';
import { plan } from '../model/index.js';
import { emulatorFor, loaderCommand } from '../userland/index.js';
import { checkDumpFits, type Comparison, compareSegments, runSample } from '../verify/index.js';
import type { Output } from './arguments.js';
import { parseAddress, parseEngine } from './arguments.js';
import { CliError, EXIT_DIFFERENCE, EXIT_INVALID_INPUT, usageError } from './exit-codes.js';

/** Differences listed in full before the rest are only counted. */
const SHOWN_DIFFERENCES = 50;

export async function verifyCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      runner: { type: 'string' },
      engine: { type: 'string', default: 'ts' },
      base: { type: 'string' },
      runs: { type: 'string', default: '1' },
    },
    allowPositionals: true,
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('wrong arguments');
  const engine = parseEngine(values.engine);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw usageError(`--runs takes a positive count, not '${values.runs}'`);
  if (runs > 1 && values.base === undefined) throw usageError("--runs needs --base: without the loader every run is the kernel's choice");
  const base = values.base === undefined ? undefined : values.base === 'random' ? 'random' : parseAddress(values.base, '--base');
  const elf = readElfFile(file);
  // The TypeScript plan does not depend on the base: one serves every run. The native engine
  // relocates at each run's base.
  const planned = engine === 'ts' ? plan(elf) : undefined;

  let status = 0;
  for (let attempt = 0; attempt < runs; attempt++) {
    const command = await commandFor(elf, file, base, values.runner);
    let run;
    try {
      run = await runSample(command[0] as string, [], command.slice(1));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new CliError(
        EXIT_INVALID_INPUT,
        missing ? `cannot run ${file}: '${command[0]}' is not installed (Debian package qemu-user)` : `cannot run ${file}: ${String(error)}`,
      );
    }
    if (run.dump === undefined) {
      const how = run.signal === undefined ? `exit status ${run.exitCode}` : `signal ${run.signal}`;
      out.write(`${file}: wrote no dump on fd 3 (${how})${run.stderr === '' ? '' : `: ${run.stderr.trim()}`}\n`);
      status = EXIT_DIFFERENCE;
      continue;
    }
    if (typeof base === 'bigint' && run.dump.base !== base) {
      out.write(`${file}: asked for base ${hex(base)}, it ran at ${hex(run.dump.base)}\n`);
      status = EXIT_DIFFERENCE;
      continue;
    }
    const { plan: used, image } = planned === undefined ? relocate(elf, run.dump.base, 'native') : { plan: planned, image: undefined };
    checkDumpFits(used, run.dump);
    const comparison = compareSegments(used, run.dump, image);
    const selfCheck = run.exitCode === 0 && run.stdout.trim().split('\n').at(-1) === 'ok';
    out.write(report(file, used.writes.count, comparison));
    if (!selfCheck) {
      out.write(`${file}: its own checks failed (exit status ${run.exitCode ?? run.signal}): ${run.stdout.trim()} ${run.stderr.trim()}\n`);
    }
    if (comparison.differences.length > 0 || !selfCheck) status = EXIT_DIFFERENCE;
  }
  return status;
}

/** The kernel loads the file (natively or under qemu-user) unless a base is asked for: then piekit's loader does. */
async function commandFor(elf: ElfFile, file: string, base: bigint | 'random' | undefined, runner: string | undefined): Promise<string[]> {
  if (base !== undefined) return loaderCommand(elf, file, base, []);
  const prefix = runner === undefined ? emulatorFor(elf) : runner.split(/\s+/).filter((word) => word !== '');
  if (prefix === undefined) {
    throw new CliError(EXIT_INVALID_INPUT, `no emulator runs ${elf.arch.name} here; pass --runner CMD to choose one`);
  }
  return [...prefix, file];
}

function report(file: string, writes: number, comparison: Comparison): string {
  const { differences } = comparison;
  const summary = `${comparison.comparedWords} words of writable segments, ${writes} planned writes, base ${hex(comparison.base)}`;
  if (differences.length === 0) return `${file}: verified: ${summary}\n`;
  const lines = [`${file}: ${differences.length} words differ (${summary}):`];
  for (const difference of differences.slice(0, SHOWN_DIFFERENCES)) {
    const where = [difference.section, difference.symbol === undefined ? undefined : `${difference.symbol.name}+${hex(difference.symbol.offset)}`]
      .filter((part) => part !== undefined)
      .join(' ');
    lines.push(
      `  ${hex(difference.address)} (vaddr ${hex(difference.vaddr)}${where === '' ? '' : `, ${where}`}): ` +
        `expected ${hex(difference.expected)}, found ${hex(difference.actual)} (${difference.kind}); written by ${difference.writers.join(', ') || 'no relocation'}`,
    );
  }
  if (differences.length > SHOWN_DIFFERENCES) lines.push(`  … and ${differences.length - SHOWN_DIFFERENCES} more`);
  return `${lines.join('\n')}\n`;
}
