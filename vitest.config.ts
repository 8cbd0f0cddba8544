import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { skipCounting } from './test/support/skip-reporter.js';

// Tests import the package by its public names (package.json "exports"); each resolves to the
// source of the module it names, so no build is needed and no internal path leaks into a test.
const { exports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, string | { default: string }>;
};
const alias = Object.entries(exports)
  .filter((entry): entry is [string, { default: string }] => typeof entry[1] === 'object')
  .map(([subpath, target]) => ({
    find: new RegExp(`^piekit${subpath.slice(1).replace('/', '\\/')}$`),
    replacement: fileURLToPath(new URL(target.default.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts'), import.meta.url)),
  }));

export default defineConfig({
  plugins: [skipCounting()],
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // make's samples are built once before any file runs, and every other program through
    // test/support/samples.ts, so files run in parallel without writing the same output together.
    globalSetup: ['test/support/global-setup.ts'],
    // Most of a test's time is a child process (qemu, a compiler, the CLI) that a file awaits one
    // at a time: three files at once keep both cores busy (vitest's default is one fewer than the cores).
    maxWorkers: 3,
    // A file's concurrent tests (describe.concurrent): two at a time, each waiting on qemu.
    maxConcurrency: 2,
    hookTimeout: 600_000,
  },
});
