/**
 * The npm package as a user gets it: `npm pack` holds only what a user needs, and the tarball
 * installs into an empty project on a machine without cmake or a C compiler, where the command
 * line works with the TypeScript engine and `--engine native` says in one line how to build the
 * addon.
 */
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { scratchDirectory } from './support/scratch.js';

interface PackedFile {
  readonly path: string;
  readonly size: number;
}

const scratch = scratchDirectory('package');
let tarball = '';
let files: PackedFile[] = [];
let packedSize = 0;

beforeAll(async () => {
  // dist/ is built by the set-up; packing must not rebuild it under the other tests' feet.
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch.path]);
  const [report] = JSON.parse(pack.stdout) as { filename: string; size: number; files: PackedFile[] }[];
  if (report === undefined) throw new Error('npm pack reported nothing');
  tarball = scratch.at(report.filename);
  files = report.files;
  packedSize = report.size;
}, 120_000);

describe('npm pack', () => {
  it('holds the library, the command line and the C sources piekit builds, and nothing else', () => {
    const paths = files.map((file) => file.path);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/loader/index.js',
      'dist/loader/index.d.ts',
      CLI,
      'dist/elf/index.js',
      'startup/relocate.c',
      'startup/arch/x86_64/arch.h',
      'native/engine.c',
      'native/addon.cc',
      'native/CMakeLists.txt',
      'native/install.mjs',
      'native/loader/main.c',
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const unwanted = paths.filter(
      (path) => /^(samples|test|build|native\/build|dist\/test|dist\/samples)\/|\.map$|\.ts$/.test(path) && !path.endsWith('.d.ts'),
    );
    expect(unwanted).toEqual([]);
    expect(packedSize, 'the tarball stays small').toBeLessThan(1 << 20);
  });
});

describe('the tarball installed into an empty project without cmake or a C compiler', () => {
  let project = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    project = scratch.at('project');
    await mkdir(project);
    // npm 11 runs a dependency's install script only when the project allows it, as a user who
    // wants the native engine does; without cmake the script must still let the install succeed.
    const allowScripts = { piekit: true };
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-piekit', private: true, type: 'module', allowScripts }));
    // A PATH with node, npm and a shell, and no cmake, cc or make.
    const bin = scratch.at('bin');
    await mkdir(bin);
    const which = async (command: string): Promise<string> => (await execa('sh', ['-c', `command -v ${command}`])).stdout;
    for (const command of ['node', 'npm', 'npx', 'sh']) await symlink(await which(command), join(bin, command));
    env = { PATH: bin, HOME: process.env.HOME ?? scratch.path };
    await copyFile(resolve('samples/out/x86_64/tables-relr'), join(project, 'tables-relr'));
  }, 60_000);

  it('installs, its install script building no addon and failing nothing', { timeout: 300_000 }, async () => {
    const install = await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], {
      cwd: project,
      env,
      extendEnv: false,
      all: true,
    });
    expect(install.exitCode, install.all).toBe(0);
    expect(install.all).toMatch(/piekit: native engine not built \(cmake, cc, c\+\+ not found\); the TypeScript engine works without it/);
  });

  it('runs inspect and plan with the TypeScript engine', { timeout: 120_000 }, async () => {
    const run = (...args: string[]) => execa('npx', ['piekit', ...args], { cwd: project, env, extendEnv: false, reject: false });
    const inspected = await run('inspect', 'tables-relr');
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/^tables-relr: ELF64 little-endian x86_64/);
    const planned = await run('plan', 'tables-relr', '--base', '0x7f0000000000', '--json');
    expect(planned.exitCode, planned.stderr).toBe(0);
    expect((JSON.parse(planned.stdout) as { writes: unknown[] }).writes.length).toBeGreaterThan(100);
    const native = await run('plan', 'tables-relr', '--base', '0x7f0000000000', '--engine', 'native');
    expect(native.exitCode).toBe(2);
    expect(native.stdout).toBe('');
    expect(native.stderr).toMatch(
      /^piekit: the native engine is not built \(.*\); build it with cmake and a C compiler installed: npm run build:native$/,
    );
  });
});

describe('the tarball installed where cmake and a C compiler exist', () => {
  it('builds the addon at install, and the native engine plans as the TypeScript one does', { timeout: 600_000 }, async () => {
    const project = scratch.at('project-with-compilers');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-piekit', private: true, type: 'module', allowScripts: { piekit: true } }),
    );
    await copyFile(resolve('samples/out/x86_64/tables-relr'), join(project, 'tables-relr'));
    const install = await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, all: true });
    expect(install.exitCode, install.all).toBe(0);
    const plan = (engine: string) =>
      execa('npx', ['piekit', 'plan', 'tables-relr', '--base', '0x7f0000000000', '--json', '--engine', engine], { cwd: project });
    const [native, ts] = await Promise.all([plan('native'), plan('ts')]);
    expect(native.stdout).toBe(ts.stdout);
  });
});
