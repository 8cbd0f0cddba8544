/**
 * Numbers the C and TypeScript sides exchange, read out of the C sources and compared with the
 * TypeScript names for them: the userland loader's exit statuses, the native engine's statuses and
 * the numbering of the tables a write comes from. Either side changed alone fails here.
 */
import { readFileSync } from 'node:fs';
import { NativeStatus, SOURCES } from 'piekit';
import { LOADER_STATUS } from 'piekit/userland';
import { expect, it } from 'vitest';

/** `#define PREFIXNAME value` lines of a C file, by NAME. */
function defines(path: string, prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of readFileSync(path, 'latin1').matchAll(new RegExp(`^#define ${prefix}(\\w+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b`, 'gm'))) {
    found.set(match[1] as string, Number(match[2]));
  }
  return found;
}

/** `PREFIXNAME = value` members of a C enum, by NAME. */
function enumerators(path: string, prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of readFileSync(path, 'latin1').matchAll(new RegExp(`^\\s*${prefix}(\\w+)\\s*=\\s*(\\d+)`, 'gm'))) {
    found.set(match[1] as string, Number(match[2]));
  }
  return found;
}

/** FOO_BAR -> fooBar, or FooBar with `upper`. */
function camel(name: string, upper = false): string {
  const words = name.toLowerCase().split('_');
  return words.map((word, index) => (index === 0 && !upper ? word : `${word[0]?.toUpperCase()}${word.slice(1)}`)).join('');
}

it("the loader's exit statuses: native/loader/status.h and LOADER_STATUS", () => {
  const statuses = defines('native/loader/status.h', 'LOADER_');
  expect(statuses.size).toBeGreaterThan(5);
  expect(Object.fromEntries([...statuses].map(([name, value]) => [camel(name), value]))).toEqual(LOADER_STATUS);
});

it("the native engine's statuses: native/engine.h's pk_engine_status and NativeStatus", () => {
  const statuses = enumerators('native/engine.h', 'PK_ENGINE_');
  expect(statuses.size).toBeGreaterThan(3);
  expect(Object.fromEntries([...statuses].map(([name, value]) => [camel(name, true), value]))).toEqual(NativeStatus);
});

it("the tables' numbering: startup/relocate.c's PK_SOURCE_* and SOURCES", () => {
  const sources = defines('startup/relocate.c', 'PK_SOURCE_');
  expect(Object.fromEntries([...sources].map(([name, value]) => [name.toLowerCase(), value]))).toEqual(
    Object.fromEntries(SOURCES.map((name, index) => [name, index])),
  );
});
