import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the package by its public names; these resolve to the sources, so no build is needed.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^piekit\/elf$/, replacement: fileURLToPath(new URL('./elf/index.ts', import.meta.url)) },
      { find: /^piekit$/, replacement: fileURLToPath(new URL('./loader/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // Several files build and run the same samples with make; one file at a time keeps them from
    // writing the same output together. The machine has two cores, which the builds use anyway.
    fileParallelism: false,
    hookTimeout: 600_000,
  },
});
