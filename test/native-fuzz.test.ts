/**
 * A short coverage-guided campaign on every libFuzzer harness (native engine, loader validation,
 * the loader's --base parser), with AddressSanitizer and UndefinedBehaviorSanitizer: any finding
 * fails, and its reproducer is kept in build/fuzz/findings/. `npm run fuzz` runs longer ones.
 */
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requireCommand } from './support/environment.js';
import { makeSamples } from './support/samples.js';

const SECONDS = Number(process.env.PIEKIT_FUZZ_SECONDS ?? 60);
const HARNESSES = ['engine-fuzz', 'loader-validate-fuzz', 'loader-address-fuzz'];

describe('libFuzzer with sanitizers', () => {
  it('keeps regression seeds for every harness (past findings and edge cases), run first in every campaign', () => {
    for (const harness of HARNESSES) expect(readdirSync(`test/fuzz/native/regressions/${harness}`).length, harness).toBeGreaterThan(0);
  });

  it(`finds nothing in ${SECONDS} s per harness`, { timeout: (SECONDS + 600) * 1000 }, async (context) => {
    await requireCommand(context, 'clang-19', 'clang-19');
    const make = await makeSamples();
    expect(make.ok, make.output).toBe(true);
    const run = await execa('bash', ['test/fuzz/native/run.sh', String(SECONDS)], { reject: false, all: true });
    console.log(run.all);
    expect(run.exitCode, run.all).toBe(0);
    for (const harness of HARNESSES) {
      const executions = Number(new RegExp(`^${harness}: (\\d+) executions, cov: (\\d+)`, 'm').exec(run.stdout)?.[1] ?? 0);
      expect(executions, `${harness} ran`).toBeGreaterThan(1000);
    }
  });
});
