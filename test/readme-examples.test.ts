/**
 * Every example of README.md's "Library API" section runs, as written, against piekit's public
 * entry points, in a directory holding the files the examples name; each prints what its
 * `// prints:` lines say.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildProgram } from 'piekit/toolchain';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireCommand, requireX86_64Host } from './support/environment.js';
import { makeSamples } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';

const readme = await readFile('README.md', 'utf8');
const section = readme.slice(readme.indexOf('\n## Library API\n'), readme.indexOf('\n## ', readme.indexOf('\n## Library API\n') + 1));
const examples = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);

const scratch = scratchDirectory('readme');
const home = process.cwd();

beforeAll(async () => {
  const make = await makeSamples('x86_64');
  if (!make.ok) throw new Error(make.output);
  await copyFile(resolve('samples/out/x86_64/hello-relr'), scratch.at('hello'));
  for (const name of ['hello.c', 'check.h']) await copyFile(resolve('samples', name), scratch.at(name));
  await buildProgram({ sources: ['samples/hello.c'], arch: 'x86_64', relr: true, output: scratch.at('program') });
  process.chdir(scratch.path);
}, 300_000);

afterAll(() => {
  process.chdir(home);
});

describe("README.md's Library API examples", () => {
  it('are there, one per entry point', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  examples.forEach((source, index) => {
    it(`example ${index + 1} runs and prints what it says`, { timeout: 300_000 }, async (context) => {
      requireX86_64Host(context);
      if (source.includes("'riscv64'")) await requireCommand(context, 'clang-19', 'clang-19');
      const file = scratch.at(`example-${index + 1}.ts`);
      await writeFile(file, source);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      });
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }
      const output = printed.join('\n');
      const expected = [...source.matchAll(/^\/\/ prints: (.*)$/gm)].map((match) => match[1] as string);
      expect(expected.length, 'every example says what it prints').toBeGreaterThan(0);
      for (const text of expected) expect(output, `example ${index + 1}`).toContain(text);
    });
  });
});
