import { DIFFERENCE_KINDS } from '../model/index.js';
import { columns, count, quantity } from '../wording.js';
import type { CostReport } from './cost.js';
import { type Hazard, SEVERITIES } from './hazard.js';
import type { AuditReport, RuntimeReport } from './report.js';

/** Words shown per breaking runtime in the text report; --json lists up to the audit's limit. */
const SHOWN_WORDS = 5;
/** Items of each list shown per hazard in the text report. */
const SHOWN_ITEMS = 8;

/** `piekit audit FILE`: the verdict first, then the runtimes as a table, the hazards and the costs. */
export function renderAudit(report: AuditReport): string {
  const lines: string[] = [];
  lines.push(`${report.file}: ${report.arch}, ELF${report.class} ${report.endian}-endian; runtimes modelled at base ${report.base}`);
  lines.push(`runtime: ${report.judgement}`);
  const [first, ...rest] = report.verdict.split('\n');
  lines.push(`verdict: ${first ?? ''}`, ...rest.map((line) => `         ${line}`), '');
  lines.push(...runtimeTable(report.runtimes), '');
  const breaking = report.runtimes.filter((runtime) => runtime.words.length > 0);
  if (breaking.length > 0) {
    lines.push(`words that differ from the plan (first ${SHOWN_WORDS} per runtime):`);
    for (const runtime of breaking) {
      for (const word of runtime.words.slice(0, SHOWN_WORDS)) {
        const where = [word.section, word.symbol].filter((part) => part !== null).join(' ');
        lines.push(
          `  ${runtime.runtime}: ${word.vaddr}${where === '' ? '' : ` ${where}`}: expected ${word.expected}, found ${word.actual} (${word.kind})`,
        );
      }
    }
    lines.push('');
  }
  lines.push(...hazardLines(report.hazards), '');
  lines.push(...costLines(report.cost));
  return `${lines.join('\n')}\n`;
}

function runtimeTable(runtimes: readonly RuntimeReport[]): string[] {
  const header = ['runtime', 'status', 'words differ', ...DIFFERENCE_KINDS, 'left alone', 'applied, not modelled'];
  const rows = runtimes.map((runtime) => {
    const d = runtime.differences;
    const left = runtime.leftAlone === null ? '' : count(Object.values(runtime.leftAlone).reduce((sum, n) => sum + n, 0));
    const applied = runtime.applied === null ? '' : count(Object.values(runtime.applied).reduce((sum, n) => sum + n, 0));
    const differing = runtime.differingWords === null ? '' : count(runtime.differingWords);
    return [runtime.runtime, runtime.status, differing, ...DIFFERENCE_KINDS.map((kind) => (d === null ? '' : count(d[kind]))), left, applied];
  });
  return columns([header, ...rows]);
}

function hazardLines(hazards: readonly Hazard[]): string[] {
  const bySeverity = SEVERITIES.map((severity) => {
    const n = hazards.filter((hazard) => hazard.severity === severity).length;
    return `${n} ${severity}${n === 1 || severity === 'info' ? '' : 's'}`;
  }).join(', ');
  if (hazards.length === 0) return ['hazards: none'];
  const lines = [`hazards (${bySeverity}):`];
  for (const hazard of hazards) {
    lines.push(`  ${hazard.severity.padEnd(7)}  [${hazard.id}] ${hazard.message}`);
    const list = (label: string, items: readonly string[]): void => {
      if (items.length === 0) return;
      const more = hazard.count > SHOWN_ITEMS && items.length >= SHOWN_ITEMS ? ', …' : '';
      lines.push(`           ${label}: ${items.slice(0, SHOWN_ITEMS).join(', ')}${more}`);
    };
    list('entries', hazard.entries);
    list('addresses', hazard.addresses);
    list('symbols', hazard.symbols);
  }
  return lines;
}

function costLines(cost: CostReport | null): string[] {
  if (cost === null) return ['cost: not counted (the PT_LOADs cannot be laid out)'];
  const tables = cost.tables.map(
    (table) =>
      `${table.table === 'jmprel' ? 'DT_JMPREL' : table.table.toUpperCase()} ${quantity(table.bytes, 'byte')} (${quantity(table.entries, 'entry', 'entries')}, ${quantity(table.relative, 'relative word')})`,
  );
  if (cost.localGotWords > 0) tables.push(`local GOT ${quantity(cost.localGotWords, 'word')}`);
  const { packed, pages } = cost;
  const kept =
    packed.otherBytes > 0
      ? `, plus ${count(packed.otherBytes)} bytes of entries that stay in REL/RELA/DT_JMPREL${packed.unaligned > 0 ? ` (${count(packed.unaligned)} unaligned relative ones)` : ''}`
      : '';
  const segments = pages.segments.map(
    (segment) =>
      `PT_LOAD ${segment.segment} ${segment.flags.trim()}: ${count(segment.pages)}${segment.inRelro > 0 ? ` (${count(segment.inRelro)} in RELRO)` : ''}`,
  );
  return [
    'cost:',
    `  tables: ${tables.length === 0 ? 'none' : tables.join('; ')}; ${count(cost.totalBytes)} bytes in all`,
    `  as RELR (lld's encoding): ${quantity(packed.relrBytes, 'byte')} (${quantity(packed.relrEntries, 'entry', 'entries')}) for ${quantity(packed.relative, 'word')}${kept}: ${quantity(packed.totalBytes, 'byte')} in all`,
    `  pages dirtied: ${count(pages.dirtied)} of ${count(pages.pageSize)} bytes, ${count(pages.inRelro)} in PT_GNU_RELRO${segments.length > 0 ? ` (${segments.join('; ')})` : ''}`,
  ];
}
