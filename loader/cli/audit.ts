import { statSync } from 'node:fs';
import {
  type AuditOptions,
  auditFile,
  auditPaths,
  outcomeLine,
  RUNTIME_NAMES,
  type RuntimeName,
  renderAudit,
  renderSummary,
  summarize,
  walkOperands,
} from '../audit/index.js';
import { type Output, parseCommand } from './arguments.js';
import { EXIT_DIFFERENCE, EXIT_OK, usageError } from './exit-codes.js';

/**
 * `piekit audit FILE|DIR... [--runtime NAME]... [--json]`: one file gets the full report (its
 * ElfError, when it is not a static-PIE candidate, reaches the dispatcher: exit 2); several files
 * or a directory get a line each and a summary, spread over worker threads.
 */
export async function auditCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    runtime: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [first] = positionals;
  if (first === undefined) throw usageError('FILE or DIR is missing');
  const runtimes = parseRuntimes(values.runtime);
  const options: AuditOptions = runtimes === undefined ? {} : { runtimes };
  if (positionals.length === 1 && !statSync(first).isDirectory()) {
    const report = auditFile(first, options);
    out.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderAudit(report));
    return report.safe ? EXIT_OK : EXIT_DIFFERENCE;
  }
  const walk = walkOperands(positionals);
  const started = performance.now();
  const onOutcome =
    values.json === true
      ? undefined
      : (outcome: Parameters<typeof outcomeLine>[0]): void => {
          const line = outcomeLine(outcome);
          if (line !== undefined) out.write(`${line}\n`);
        };
  const run = await auditPaths(
    walk.files,
    { ...options, classify: false, notStaticPie: values.all === true ? 'audit' : 'skip' },
    onOutcome === undefined ? {} : { onOutcome },
  );
  const summary = summarize(walk, run.outcomes);
  if (values.json === true) {
    const files = run.outcomes.filter((outcome) => outcome.kind !== 'not ELF' && outcome.kind !== 'skipped');
    out.write(`${JSON.stringify({ files, summary }, null, 2)}\n`);
  } else {
    out.write(renderSummary(summary, (performance.now() - started) / 1000, run.workers));
  }
  return run.outcomes.every((outcome) => outcome.kind !== 'audited' || outcome.report.safe) ? EXIT_OK : EXIT_DIFFERENCE;
}

function parseRuntimes(names: readonly string[] | undefined): RuntimeName[] | undefined {
  if (names === undefined) return undefined;
  return names.map((name) => {
    const known = RUNTIME_NAMES.find((candidate) => candidate === name);
    if (known === undefined) throw usageError(`--runtime takes one of ${RUNTIME_NAMES.join(', ')}, not '${name}'`);
    return known;
  });
}
