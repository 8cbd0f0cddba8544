/**
 * Numbers the C and TypeScript sides exchange are declared once, in TypeScript: the userland
 * loader's exit statuses, the native engine's statuses and the numbering of the tables a write
 * comes from. The C headers that carry them are written from those declarations
 * (test/support/c-headers.ts, `npm run headers`); a header edited by hand, or a declaration changed
 * without writing the headers again, fails here.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generatedHeaders } from './support/c-headers.js';

it.each(generatedHeaders().map((header) => [header.path, header] as const))('%s is as its declaration writes it', (_path, header) => {
  expect(readFileSync(header.path, 'utf8'), `${header.path} differs from its declaration: run npm run headers`).toBe(header.text);
});
