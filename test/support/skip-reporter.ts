/**
 * Counts the skipped tests by reason at the end of a run, and fails a strict run
 * (PIEKIT_REQUIRE_ALL=1) that skipped anything for another reason than an architecture qemu-user
 * 7.2 cannot run: a skip that did not go through test/support/environment.ts (`context.skip`,
 * `it.skip`, `it.todo`) is caught here too. A plugin adds it beside whatever reporters the command
 * line asks for, so no `--reporter` leaves it out.
 */
import type { Plugin } from 'vitest/config';
import type { Reporter, TestModule } from 'vitest/node';
import { STRICT, skipAllowedInStrictMode } from './environment.js';

class SkipReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const byReason = new Map<string, string[]>();
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        // A test that was never run because of a name filter or `.only` elsewhere is not a skip.
        if (note === undefined && test.options.mode === 'skip' && this.filtered(module)) continue;
        const reason = note ?? `no reason given (${test.options.mode})`;
        const tests = byReason.get(reason) ?? [];
        tests.push(`${module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
        byReason.set(reason, tests);
      }
    }
    const total = Array.from(byReason.values()).reduce((sum, tests) => sum + tests.length, 0);
    const lines = [`skipped: ${total}${total === 0 ? '' : ', by reason:'}`];
    const refused: string[] = [];
    for (const [reason, tests] of Array.from(byReason).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
      const allowed = skipAllowedInStrictMode(reason);
      lines.push(`  ${tests.length} × ${reason}${STRICT && !allowed ? '   <- not allowed in strict mode' : ''}`);
      if (STRICT && !allowed) refused.push(...tests.map((name) => `    ${name}: ${reason}`));
    }
    console.log(`\n${lines.join('\n')}`);
    if (refused.length > 0) {
      console.error(`\nPIEKIT_REQUIRE_ALL=1: ${refused.length} test(s) skipped for a reason a strict run does not accept:\n${refused.join('\n')}`);
      process.exitCode = 1;
    }
  }

  private filtered(module: TestModule): boolean {
    const config = module.project.config;
    return config.testNamePattern !== undefined || Array.from(module.children.allTests()).some((test) => test.options.mode === 'only');
  }
}

/** The plugin that puts the skip count beside the reporters of the command line or the configuration. */
export function skipCounting(): Plugin {
  return {
    name: 'piekit:skip-counting',
    configureVitest({ vitest }) {
      (vitest.config.reporters as unknown[]).push(new SkipReporter());
    },
  };
}
