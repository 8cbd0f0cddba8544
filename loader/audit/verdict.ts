import { quantity } from '../wording.js';
import type { RuntimeReport } from './report.js';

/**
 * The verdict line(s): "safe under A, B; breaks under C (why), D (why)", then, on a second line
 * when there are any, the runtimes that refuse or are undefined, and those not for this
 * architecture.
 */
export function verdictOf(arch: string, runtimes: readonly RuntimeReport[]): string {
  const named = (status: RuntimeReport['status'], withReason: boolean): string[] =>
    runtimes
      .filter((runtime) => runtime.status === status)
      .map((runtime) => (withReason && runtime.reason !== null ? `${runtime.runtime} (${runtime.reason})` : runtime.runtime));
  const first = [
    ['safe under', named('safe', false)],
    ['breaks under', named('breaks', true)],
  ] as const;
  const second = [
    ['refuses:', named('refuses', true)],
    ['undefined:', named('undefined', true)],
    ['not compared:', named('not compared', true)],
    [`not for ${arch}:`, named('unsupported', false)],
  ] as const;
  const line = (parts: readonly (readonly [string, readonly string[]])[]): string =>
    parts
      .filter(([, names]) => names.length > 0)
      .map(([label, names]) => `${label} ${names.join(', ')}`)
      .join('; ');
  return [line(first), line(second)].filter((text) => text !== '').join('\n');
}

/** Why a runtime breaks: "no RELR: 314 words left unrelocated, 24 IRELATIVE entries left alone". */
export function breakReason(report: Pick<RuntimeReport, 'differingWords' | 'differences' | 'leftAlone' | 'ignoredTables'>): string {
  const parts: string[] = [];
  const d = report.differences;
  if (d === null && (report.differingWords ?? 0) > 0) parts.push(`${quantity(report.differingWords ?? 0, 'word')} differ`);
  if (d !== null) {
    if (d.unrelocated > 0) parts.push(`${quantity(d.unrelocated, 'word')} left unrelocated`);
    if (d['relocated twice'] > 0) parts.push(`${quantity(d['relocated twice'], 'word')} relocated twice`);
    if (d.shifted > 0) parts.push(`${quantity(d.shifted, 'word')} shifted`);
    if (d.other > 0) parts.push(`${quantity(d.other, 'other word')}`);
  }
  const left = report.leftAlone;
  if (left !== null) {
    const names = { symbolic: 'symbolic', tls: 'TLS', irelative: 'IRELATIVE', relative: 'DT_JMPREL relative' } as const;
    for (const key of ['symbolic', 'tls', 'irelative', 'relative'] as const) {
      if (left[key] > 0) parts.push(`${quantity(left[key], `${names[key]} entry`, `${names[key]} entries`)} left alone`);
    }
  }
  const tables = report.ignoredTables.filter((table) => table === 'RELR').map(() => 'no RELR');
  return tables.length > 0 && parts.length > 0 ? `${tables.join(', ')}: ${parts.join(', ')}` : [...tables, ...parts].join(', ');
}
