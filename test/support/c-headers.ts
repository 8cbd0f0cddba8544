/**
 * The C headers that carry numbers the C and TypeScript sides exchange, written from their one
 * declaration in TypeScript: the userland loader's exit statuses, the native engine's statuses and
 * the numbering of the tables a write comes from. `npm run headers` writes them;
 * test/c-declarations.test.ts fails while a tracked header differs from what it would write.
 */
import { NativeStatus, SOURCES } from 'piekit';
import { LOADER_STATUS } from 'piekit/userland';

export interface GeneratedHeader {
  /** From the repository's root. */
  readonly path: string;
  readonly text: string;
}

/** fooBar or FooBar -> FOO_BAR. */
function upperSnake(name: string): string {
  return name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '_').toUpperCase();
}

function header(path: string, declaration: string, purpose: string, guard: string, body: readonly string[]): GeneratedHeader {
  const lines = [
    `/* ${purpose}`,
    ` * Written by \`npm run headers\` from ${declaration};`,
    ' * each value is declared and explained there: edit that, not this. */',
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
    ...body,
    '',
    '#endif',
    '',
  ];
  return { path, text: lines.join('\n') };
}

export function generatedHeaders(): GeneratedHeader[] {
  return [
    header(
      'native/loader/status.h',
      'LOADER_STATUS in loader/userland/statuses.ts',
      "The userland loader's exit statuses: each failure class has its own.",
      'PIEKIT_LOADER_STATUS_H',
      Object.entries(LOADER_STATUS).map(([name, value]) => `#define LOADER_${upperSnake(name)} ${value}`),
    ),
    header('native/engine-status.h', 'NativeStatus in loader/engines/native-surface.ts', "The native engine's outcomes.", 'PIEKIT_ENGINE_STATUS_H', [
      'enum pk_engine_status {',
      ...Object.entries(NativeStatus).map(([name, value]) => `\tPK_ENGINE_${upperSnake(name)} = ${value},`),
      '};',
    ]),
    header(
      'startup/table-sources.h',
      'SOURCES in loader/model/write-list.ts',
      'Which table a write comes from, in the order startup code applies them.',
      'PIEKIT_TABLE_SOURCES_H',
      SOURCES.map((name, index) => `#define PK_SOURCE_${upperSnake(name)} ${index}`),
    ),
  ];
}
