/**
 * The directory audit's worker threads, as the built command line runs them: the sources are
 * compiled (as `npm run build` compiles them) into a directory of their own, and the command run
 * from there must use its worker threads and give, file for file, what this process gives
 * auditing in one thread.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { auditPaths, walkOperands, workerScript } from 'piekit/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirectory } from './support/scratch.js';

// Inside the package, so that the compiled modules find node_modules as dist/ does.
const OUT = resolve('build', `audit-workers-${process.pid}`);
const scratch = scratchDirectory('audit-workers');

beforeAll(async () => {
  for (const arch of ['x86_64', 'aarch64', 'mips', 'x86']) {
    mkdirSync(scratch.at(arch));
    for (const sample of ['hello', 'tables']) {
      for (const format of ['rel', 'rela', 'relr']) {
        const file = join('samples', 'out', arch, `${sample}-${format}`);
        if (existsSync(file)) copyFileSync(file, scratch.at(arch, `${sample}-${format}`));
      }
    }
  }
  writeFileSync(scratch.at('notes.txt'), 'not ELF\n');
  // tsc reports other modules' type errors with a status of its own and still writes every file.
  await execa('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', OUT, '--sourceMap', 'false', '--declaration', 'false'], { reject: false });
}, 300_000);

afterAll(async () => {
  await rm(OUT, { recursive: true, force: true });
});

describe('worker threads', () => {
  it('under the sources there is no compiled worker: the pool audits in this thread', async () => {
    expect(workerScript()).toBeUndefined();
    const run = await auditPaths([join('samples', 'out', 'x86_64', 'hello-relr')], { classify: false });
    expect(run.workers).toBe(0);
  });

  it('the built command line audits a directory over worker threads, with the results of one thread', { timeout: 300_000 }, async () => {
    const cli = join(OUT, 'loader', 'cli', 'main.js');
    expect(existsSync(join(OUT, 'loader', 'audit', 'audit-worker.js'))).toBe(true);
    const text = await execa('node', [cli, 'audit', scratch.path], { reject: false });
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/\n[0-9]+ files in [0-9.]+ s \([0-9]+ files\/s\), [1-9][0-9]* worker threads$/);
    const json = await execa('node', [cli, 'audit', scratch.path, '--json'], { reject: false });
    const built = JSON.parse(json.stdout) as { files: unknown[]; summary: unknown };
    const walk = walkOperands([scratch.path]);
    const here = await auditPaths(walk.files, { classify: false }, { jobs: 0 });
    expect(built.files).toEqual(here.outcomes.filter((outcome) => outcome.kind !== 'not ELF' && outcome.kind !== 'skipped'));
    const unsafe = here.outcomes.some((outcome) => outcome.kind === 'audited' && !outcome.report.safe);
    expect(text.exitCode).toBe(unsafe ? 1 : 0);
    expect(built.files.length).toBeGreaterThan(15);
  });
});
