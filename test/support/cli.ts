import { readFileSync } from 'node:fs';

/**
 * The command line as users run it, relative to the package root (where tests and the benchmark
 * run): package.json's `bin`, the bundle `npm run build` makes of loader/cli/main.ts.
 */
export const CLI: string = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { piekit: string } }).bin.piekit;
