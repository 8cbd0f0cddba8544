import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectures } from '../../elf/index.js';
import { plan, readElfFile } from '../../loader/index.js';
import { packageRoot } from '../../loader/package-root.js';
import { COMMON_FLAGS, relocationDefines } from '../../loader/toolchain/flags.js';

/** Reference figures of glibc 2.36's static-PIE relocator on the same kind of program (NOTES.md). */
const GLIBC_PER_RELOCATION = { rela: 13.0, relr: 6.2 } as const;
const TARGET_PER_RELOCATION = { rela: 8, relr: 4 } as const;
const SIZE_LIMIT = 512;

function run(command: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Instructions callgrind attributes to pk_start_c itself: the stub's work up to main, with relocation inlined. */
function stubInstructions(file: string): number | undefined {
  const out = join(mkdtempSync(join(tmpdir(), 'piekit-callgrind-')), 'callgrind.out');
  if (run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, file]).status !== 0) return undefined;
  const line = run('callgrind_annotate', [out])
    .stdout.split('\n')
    .find((text) => text.includes(':pk_start_c '));
  const count = line?.trim().split(/\s+/)[0]?.replaceAll(',', '');
  return count === undefined ? undefined : Number(count);
}

export function reportInstructions(): void {
  const root = packageRoot();
  console.log('Startup stub on x86_64 under callgrind: instructions in pk_start_c (relocation inlined) per relative relocation');
  if (run('make', ['--no-print-directory', '-C', root, 'samples', 'ARCH=x86_64']).status !== 0) {
    console.log('  the x86_64 samples do not build here\n');
    return;
  }
  for (const format of ['rela', 'relr'] as const) {
    const file = join(root, 'samples', 'out', 'x86_64', `many-${format}`);
    const relocations = plan(readElfFile(file)).writes.count;
    const instructions = stubInstructions(file);
    if (instructions === undefined) {
      console.log(`  ${format}: valgrind is not installed (Debian package valgrind)`);
      continue;
    }
    const per = instructions / relocations;
    console.log(
      `  many-${format.padEnd(4)} ${relocations} relocations, ${instructions} instructions = ${per.toFixed(2)} per relocation ` +
        `(target <= ${TARGET_PER_RELOCATION[format]}; glibc 2.36: ${GLIBC_PER_RELOCATION[format]})`,
    );
  }
  console.log('');
}

/** Code bytes of the relocation core compiled alone for each architecture whose compiler is installed. */
export function reportCoreSizes(): void {
  const root = packageRoot();
  const directory = mkdtempSync(join(tmpdir(), 'piekit-core-size-'));
  console.log(`Relocation core code size per architecture (target <= ${SIZE_LIMIT} bytes; glibc's x86_64 relocator: 4,018)`);
  console.log('  | architecture | bytes |');
  console.log('  |---|---|');
  for (const arch of architectures) {
    const toolchain = arch.toolchain;
    if (toolchain === undefined) continue;
    const object = join(directory, `${arch.name}.o`);
    const compileFlags = [...COMMON_FLAGS, ...toolchain.flags].filter(
      (flag) => !flag.startsWith('-Wl,') && !flag.startsWith('-fuse-ld') && flag !== '-static-pie' && flag !== '-pie' && flag !== '-nostdlib',
    );
    const [compiler, ...prefix] = toolchain.compiler;
    const stub = join(root, 'startup', 'arch', arch.stub ?? '-');
    if (compiler === undefined || arch.stub === undefined || !existsSync(stub)) {
      console.log(`  | ${arch.name} | no stub |`);
      continue;
    }
    const args = [
      ...prefix,
      ...compileFlags,
      ...relocationDefines(arch),
      `-I${join(root, 'startup')}`,
      `-I${stub}`,
      '-c',
      join(root, 'test', 'bench', 'core-size.c'),
      '-o',
      object,
    ];
    const compiled = run(compiler, args);
    if (compiled.status !== 0) {
      console.log(`  | ${arch.name} | not built: ${compiled.stderr.split('\n')[0] ?? compiled.status} |`);
      continue;
    }
    const symbol = run('llvm-nm-19', ['-S', object])
      .stdout.split('\n')
      .find((text) => / pk_core$/.test(text));
    const size = symbol === undefined ? undefined : Number.parseInt(symbol.split(/\s+/)[1] ?? '', 16);
    console.log(`  | ${arch.name} | ${size ?? '?'}${size !== undefined && size > SIZE_LIMIT ? ' (over the target)' : ''} |`);
  }
  console.log('');
}
