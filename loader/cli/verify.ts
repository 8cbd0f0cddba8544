import { parseArgs } from 'node:util';
import { hex } from '../../elf/index.js';
import { emulatorFor } from '../emulators.js';
import { relocate } from '../engine.js';
import { plan } from '../plan.js';
import { runSample } from '../runner.js';
import { compareDump, type Comparison } from '../verify.js';
import { CliError, EXIT_DIFFERENCE, EXIT_INVALID_INPUT, usageError } from './errors.js';
import { loadElf, parseEngine, type Output } from './io.js';

/** Differences listed in full before the rest are only counted. */
const SHOWN_DIFFERENCES = 50;

export async function verifyCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { runner: { type: 'string' }, engine: { type: 'string', default: 'ts' } }, allowPositionals: true });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('wrong arguments');
  const engine = parseEngine(values.engine);
  const elf = await loadElf(file);
  let planned = plan(elf);
  const prefix = values.runner === undefined ? emulatorFor(elf) : values.runner.split(/\s+/).filter((word) => word !== '');
  if (prefix === undefined) {
    throw new CliError(EXIT_INVALID_INPUT, `no emulator runs ${elf.arch.name} here; pass --runner CMD to choose one`);
  }
  let run;
  try {
    run = await runSample(file, prefix);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      EXIT_INVALID_INPUT,
      missing ? `cannot run ${file}: '${prefix[0] ?? file}' is not installed (Debian package qemu-user)` : `cannot run ${file}: ${String(error)}`,
    );
  }
  if (run.dump === undefined) {
    const status = run.signal === undefined ? `exit status ${run.exitCode}` : `signal ${run.signal}`;
    out.write(`${file}: wrote no dump on fd 3 (${status})${run.stderr === '' ? '' : `: ${run.stderr.trim()}`}\n`);
    return EXIT_DIFFERENCE;
  }
  let expected;
  if (engine === 'native') ({ plan: planned, image: expected } = relocate(elf, run.dump.base, 'native'));
  const comparison = compareDump(planned, run.dump, expected);
  const selfCheck = run.exitCode === 0 && run.stdout.trim().split('\n').at(-1) === 'ok';
  out.write(report(file, planned.writes.count, comparison));
  if (!selfCheck) {
    out.write(`${file}: its own checks failed (exit status ${run.exitCode ?? run.signal}): ${run.stdout.trim()} ${run.stderr.trim()}\n`);
  }
  return comparison.differences.length === 0 && selfCheck ? 0 : EXIT_DIFFERENCE;
}

function report(file: string, writes: number, comparison: Comparison): string {
  const { differences } = comparison;
  const summary = `${comparison.comparedBytes} bytes of writable segments, ${writes} planned writes, base ${hex(comparison.base)}`;
  if (differences.length === 0) return `${file}: verified: ${summary}\n`;
  const lines = [`${file}: ${differences.length} words differ (${summary}):`];
  for (const difference of differences.slice(0, SHOWN_DIFFERENCES)) {
    const where = [difference.section, difference.symbol === undefined ? undefined : `${difference.symbol.name}+${hex(difference.symbol.offset)}`]
      .filter((part) => part !== undefined)
      .join(' ');
    lines.push(
      `  ${hex(difference.address)} (vaddr ${hex(difference.vaddr)}${where === '' ? '' : `, ${where}`}): ` +
        `expected ${hex(difference.expected)}, found ${hex(difference.actual)}; written by ${difference.writers.join(', ') || 'no relocation'}`,
    );
  }
  if (differences.length > SHOWN_DIFFERENCES) lines.push(`  … and ${differences.length - SHOWN_DIFFERENCES} more`);
  return `${lines.join('\n')}\n`;
}
