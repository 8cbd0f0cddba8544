import { columns, count } from '../wording.js';
import { SEVERITIES, type Severity } from './hazard.js';
import type { FileOutcome, SkipReason } from './path-audit.js';
import { RUNTIME_STATUSES, type RuntimeStatus } from './report.js';
import { RUNTIME_NAMES, type RuntimeName } from './runtime-model.js';
import type { Walk } from './walk.js';

/** The totals of a multi-file audit (`summary` in its JSON). */
export interface AuditSummary {
  /** Regular files looked at. */
  readonly files: number;
  readonly audited: number;
  /** Audited files safe under every runtime considered, without a hazard of severity error. */
  readonly safe: number;
  readonly notElf: number;
  readonly unreadable: number;
  /** ELF files left out of the walk because they are not static-PIEs (piekit audit --all audits them). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** ELF files that are not static-PIE candidates, by the reader's error code. */
  readonly notAuditable: Readonly<Record<string, number>>;
  readonly links: number;
  readonly special: number;
  /** Audited files per runtime and status. */
  readonly runtimes: Readonly<Record<string, Readonly<Record<RuntimeStatus, number>>>>;
  /** Audited files with at least one hazard of each severity. */
  readonly hazards: Readonly<Record<Severity, number>>;
}

export function summarize(walk: Walk, outcomes: readonly FileOutcome[]): AuditSummary {
  const runtimes = new Map<RuntimeName, Record<RuntimeStatus, number>>();
  const notAuditable: Record<string, number> = {};
  const hazards: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let audited = 0;
  let safe = 0;
  for (const outcome of outcomes) {
    if (outcome.kind === 'not auditable') notAuditable[outcome.code] = (notAuditable[outcome.code] ?? 0) + 1;
    if (outcome.kind !== 'audited') continue;
    audited++;
    if (outcome.report.safe) safe++;
    for (const severity of SEVERITIES) if (outcome.report.hazards.some((hazard) => hazard.severity === severity)) hazards[severity]++;
    for (const runtime of outcome.report.runtimes) {
      let counts = runtimes.get(runtime.runtime);
      if (counts === undefined) {
        counts = Object.fromEntries(RUNTIME_STATUSES.map((status) => [status, 0])) as Record<RuntimeStatus, number>;
        runtimes.set(runtime.runtime, counts);
      }
      counts[runtime.status]++;
    }
  }
  const ordered = RUNTIME_NAMES.flatMap((name) => {
    const counts = runtimes.get(name);
    return counts === undefined ? [] : [[name, counts] as const];
  });
  return {
    files: walk.files.length,
    audited,
    safe,
    notElf: outcomes.filter((outcome) => outcome.kind === 'not ELF').length,
    skipped: {
      'dynamically linked': outcomes.filter((outcome) => outcome.kind === 'skipped' && outcome.reason === 'dynamically linked').length,
      'static non-PIE': outcomes.filter((outcome) => outcome.kind === 'skipped' && outcome.reason === 'static non-PIE').length,
    },
    unreadable: outcomes.filter((outcome) => outcome.kind === 'unreadable').length,
    notAuditable,
    links: walk.links,
    special: walk.special,
    runtimes: Object.fromEntries(ordered),
    hazards,
  };
}

/** One line per file that is ELF or unreadable; files that are not ELF are only counted. */
export function outcomeLine(outcome: FileOutcome): string | undefined {
  switch (outcome.kind) {
    case 'not ELF':
    case 'skipped':
      return undefined;
    case 'unreadable':
      return `${outcome.file}: unreadable: ${outcome.message}`;
    case 'not auditable':
      return `${outcome.file}: not auditable [${outcome.code}]: ${outcome.message}`;
    case 'audited': {
      const { report } = outcome;
      const by = (status: RuntimeStatus): string[] =>
        report.runtimes.filter((runtime) => runtime.status === status).map((runtime) => runtime.runtime);
      const parts = [
        ['safe under', by('safe')],
        ['breaks under', by('breaks')],
        ['refuses:', by('refuses')],
        ['undefined:', by('undefined')],
        ['not compared:', by('not compared')],
      ] as const;
      const runtimes = parts.filter(([, names]) => names.length > 0).map(([label, names]) => `${label} ${names.join(', ')}`);
      const hazards = SEVERITIES.map((severity) => [severity, report.hazards.filter((hazard) => hazard.severity === severity).length] as const)
        .filter(([, n]) => n > 0)
        .map(([severity, n]) => `${n} ${severity}${n === 1 || severity === 'info' ? '' : 's'}`);
      const carried =
        report.carried.family === 'unknown'
          ? ''
          : `, carries ${report.carried.family}${report.carried.version === null ? '' : ` ${report.carried.version}`}`;
      return `${outcome.file}: ${report.safe ? 'safe' : 'not safe'} (${report.arch}${carried}; judged by ${report.judgedBy.join(', ')}): ${runtimes.join('; ')}${hazards.length > 0 ? `; hazards: ${hazards.join(', ')}` : ''}`;
    }
  }
}

/** The summary table that ends a multi-file audit. */
export function renderSummary(summary: AuditSummary, seconds: number, workers: number): string {
  const notStaticPie = summary.skipped['dynamically linked'] + summary.skipped['static non-PIE'];
  const elf = summary.audited + notStaticPie + Object.values(summary.notAuditable).reduce((sum, n) => sum + n, 0);
  const lines = [
    '',
    `files: ${count(summary.files)} (${count(elf)} ELF: ${count(summary.audited)} audited, ${count(notStaticPie)} not static-PIEs, ${count(elf - summary.audited - notStaticPie)} not auditable; ${count(summary.notElf)} not ELF, skipped${summary.unreadable > 0 ? `; ${count(summary.unreadable)} unreadable` : ''}); ${count(summary.links)} links not followed${summary.special > 0 ? `, ${count(summary.special)} special files` : ''}`,
  ];
  const { skipped } = summary;
  if (skipped['dynamically linked'] + skipped['static non-PIE'] > 0) {
    lines.push(
      `not static-PIEs: ${count(skipped['dynamically linked'])} dynamically linked, ${count(skipped['static non-PIE'])} static non-PIE skipped (--all audits them)`,
    );
  }
  const codes = Object.entries(summary.notAuditable).map(([code, n]) => `${code} ${count(n)}`);
  if (codes.length > 0) lines.push(`not auditable: ${codes.join(', ')}`);
  const header = ['runtime', ...RUNTIME_STATUSES];
  const rows = Object.entries(summary.runtimes).map(([name, counts]) => [name, ...RUNTIME_STATUSES.map((status) => count(counts[status]))]);
  lines.push(...columns([header, ...rows]));
  lines.push(
    `hazards: ${SEVERITIES.map((severity) => `${count(summary.hazards[severity])} files with ${severity === 'info' ? 'info' : `${severity}s`}`).join(', ')}`,
    `safe under every runtime and without an error: ${count(summary.safe)} of ${count(summary.audited)} audited files`,
    `${count(summary.files)} files in ${seconds.toFixed(1)} s (${(summary.files / Math.max(seconds, 1e-9)).toFixed(0)} files/s), ${workers === 0 ? 'in one thread' : `${workers} worker threads`}`,
  );
  return `${lines.join('\n')}\n`;
}
