/**
 * `piekit verify` from the shell (package.json's bin): its report and JSON document, its
 * exit statuses, every refusal on one line, and nothing left running or lying around afterwards,
 * also when it is interrupted.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { readElfFile } from 'piekit';
import { archByName } from 'piekit/elf';
import { buildProgram } from 'piekit/toolchain';
import { hasDumpHook } from 'piekit/verify';
import { beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { CLI } from './support/cli.js';
import { requireCommand, requireToolchain, requireX86_64Host } from './support/environment.js';
import { privateTemporaryDirectory, scratchDirectory } from './support/scratch.js';
import { IGNORE_RELA_FLAGS } from './support/variants.js';

/** A freestanding program for piekit's stub: `never` is never called, main spins when asked to. */
const SPINNER = `#include "piekit.h"
__attribute__((used, noinline)) void never(void) { piekit_print("never\\n"); }
int main(int argc, char **argv, char **envp) {
  (void)argv;
  (void)envp;
  for (volatile int spin = argc > 1; spin;) {}
  return 0;
}
`;
const CRASHER = `#include "piekit.h"
static const char *volatile message = "crash\\n";
static int *volatile nowhere;
int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  piekit_print(message);
  *nowhere = 1;
  return 0;
}
`;

/**
 * A program that stores into a relocated word after relocating, before `stored` is called: by
 * default another pointer into its own image, with -DOUTSIDE a small number.
 */
const OVERWRITER = `#include "piekit.h"
static const char first[] = "first", second[] = "second";
static const char *volatile chosen = first;
__attribute__((used, noinline)) void stored(void) { __asm__ volatile(""); }
int main(int argc, char **argv, char **envp) {
  (void)argv, (void)envp;
#ifdef OUTSIDE
  chosen = (const char *)(unsigned long)argc;
#else
  chosen = second;
#endif
  stored();
  piekit_print(chosen);
  return 0;
}
`;

const scratch = scratchDirectory('verify-cli');
// The CLI's GDB-stub sessions make their socket directories here, where no other file's do.
const temporary = privateTemporaryDirectory(scratch);

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  await writeFile(scratch.at('spinner.c'), SPINNER);
  await writeFile(scratch.at('crasher.c'), CRASHER);
  await writeFile(scratch.at('overwriter.c'), OVERWRITER);
  await writeFile(scratch.at('never.c'), '#include "piekit.h"\n__attribute__((used, noinline)) void never(void) { piekit_print("never\\n"); }\n');
});

async function piekit(args: readonly string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [CLI, 'verify', ...args], { reject: false, env });
}

/** A program built with piekit's stub and no dump hook, once per name. */
const built = new Map<string, Promise<string>>();
async function program(
  context: TestContext,
  arch: string,
  name: string,
  sources: readonly string[],
  cflags: readonly string[] = [],
): Promise<string> {
  const record = archByName(arch);
  if (record === undefined) throw new Error(`no ${arch} record`);
  await requireToolchain(context, record);
  const key = `${arch}-${name}`;
  let file = built.get(key);
  if (file === undefined) {
    const output = scratch.at(key);
    file = buildProgram({ sources, arch, relr: false, dump: false, cflags, output }).then(() => output);
    built.set(key, file);
  }
  return file;
}

const hello = (context: TestContext, arch = 'x86_64'): Promise<string> => program(context, arch, 'hello', ['samples/hello.c']);

/** samples/hello.c built for x86_64 with piekit's stub and its dump hook, as `name`. */
async function dumping(context: TestContext, name: string): Promise<string> {
  const record = archByName('x86_64');
  if (record === undefined) throw new Error('no x86_64 record');
  await requireToolchain(context, record);
  const file = scratch.at(name);
  await buildProgram({ sources: ['samples/hello.c'], arch: 'x86_64', relr: false, dump: true, output: file });
  return file;
}

/** qemu processes still running one of this suite's files. */
async function leftoverQemu(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (command.startsWith('qemu-') && command.includes(scratch.path)) found.push(`${pid}: ${command.replaceAll('\0', ' ')}`);
  }
  return found;
}

describe('the report', () => {
  beforeEach((context) => requireCommand(context, 'qemu-x86_64', 'qemu-user'));

  it('verifies a program: a summary line and status 0', async (context) => {
    const file = await hello(context);
    const result = await piekit([file]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^${file}: (\\d+)/\\1 planned words as planned, verified; base 0x4000000000; stopped at piekit_after_relocation \\(0x[0-9a-f]+\\), chosen by piekit$`,
      ),
    );
  });

  it('lists each differing word with its address, section, symbol, values and kind, and says where the program went when let run on', async (context) => {
    const file = await program(context, 'x86_64', 'ignore-rela', ['samples/hello.c'], IGNORE_RELA_FLAGS);
    const killed = await piekit([file]);
    expect(killed.exitCode).toBe(1);
    expect(killed.stdout).not.toContain('let run on');
    const result = await piekit([file, '--run-on', '5']);
    expect(result.exitCode).toBe(1);
    const [summary, afterwards, ...words] = result.stdout.trimEnd().split('\n');
    expect(summary).toMatch(
      /: 0\/(\d+) planned words as planned, \1 words differ \(\1 unrelocated\); base 0x4000000000; stopped at piekit_after_relocation/,
    );
    expect(afterwards).toMatch(/^ {2}let run on from there: (exited with status \d+|SIGSEGV at 0x[0-9a-f]+.*)$/);
    expect(words.length).toBeGreaterThan(0);
    for (const line of words) {
      expect(line).toMatch(
        /^ {2}0x[0-9a-f]+ \(vaddr 0x[0-9a-f]+, \.[\w.]+( \S+)?\): planned 0x[0-9a-f]+, found 0x[0-9a-f]+, unrelocated; written by rela#\d+$/,
      );
    }
  });

  it('prints at most --max-differences differing words per run (20 by default), then the count of the rest; --json has them all', async (context) => {
    const file = await program(context, 'x86_64', 'ignore-rela', ['samples/hello.c'], IGNORE_RELA_FLAGS);
    const all = JSON.parse((await piekit([file, '--json'])).stdout).runs[0].compared.differences as { address: string }[];
    expect(all.length).toBeGreaterThan(3);
    const capped = await piekit([file, '--max-differences', '3']);
    expect(capped.exitCode).toBe(1);
    const lines = capped.stdout.trimEnd().split('\n');
    expect(lines.slice(1, 4).map((line) => line.trim().split(' ')[0])).toEqual(all.slice(0, 3).map((word) => word.address));
    expect(lines.slice(4)).toEqual([`  ... and ${all.length - 3} more differing words (--max-differences N prints more, --json lists them all)`]);
    const none = await piekit([file, '--max-differences', '0']);
    expect(none.stdout.trimEnd().split('\n').slice(1)).toEqual([
      `  ... and ${all.length} more differing words (--max-differences N prints more, --json lists them all)`,
    ]);
    const byDefault = (await piekit([file])).stdout.trimEnd().split('\n');
    expect(byDefault).toHaveLength(1 + Math.min(all.length, 20) + (all.length > 20 ? 1 : 0));
    const refused = await piekit([file, '--max-differences', 'many']);
    expect(refused.exitCode).toBe(64);
    expect(refused.stderr).toMatch(/^piekit: --max-differences takes a count \(0 or more\), not 'many'\n/);
  });

  it('a planned word the program stored another pointer into its image in after relocating is overwritten, not a relocation error', async (context) => {
    const file = await program(context, 'x86_64', 'overwriter', [scratch.at('overwriter.c')]);
    const text = await piekit([file, '--stop-at', 'stored']);
    expect(text.exitCode, text.stdout).toBe(0);
    expect(text.stdout).toMatch(
      /: (\d+)\/(\d+) planned words as planned, verified, 1 word overwritten after relocation \(not relocation errors\); base 0x4000000000; stopped at stored/,
    );
    expect(text.stdout).toMatch(
      /\n {2}0x[0-9a-f]+ \(vaddr 0x[0-9a-f]+, \.data chosen\): planned 0x[0-9a-f]+, found 0x[0-9a-f]+, overwritten; written by rela#\d+$/m,
    );
    const report = JSON.parse((await piekit([file, '--stop-at', 'stored', '--json'])).stdout);
    const [run] = report.runs;
    expect(report.verified).toBe(true);
    expect(run.compared.counts).toEqual({ unrelocated: 0, 'relocated twice': 0, shifted: 0, other: 0, overwritten: 1 });
    const [word] = run.compared.differences;
    // What it holds is the address of `second`, which the file's symbols give.
    const nm = await execa('nm', [file]);
    const second = nm.stdout
      .split('\n')
      .find((line) => line.endsWith(' second'))
      ?.split(' ')[0];
    expect(BigInt(word.actual)).toBe(0x4000000000n + BigInt(`0x${second}`));
    // At the stop right after the relocator the word is as planned.
    expect((await piekit([file])).exitCode).toBe(0);

    // Anything that is not an address in the image is still a difference: the run is not verified.
    const outside = await program(context, 'x86_64', 'overwriter-outside', [scratch.at('overwriter.c')], ['-DOUTSIDE']);
    const other = JSON.parse((await piekit([outside, '--stop-at', 'stored', '--json'])).stdout);
    expect(other.verified).toBe(false);
    expect(other.runs[0].compared.counts).toMatchObject({ other: 1, overwritten: 0 });
    expect(other.runs[0].compared.differences[0].actual).toBe('0x1');
  });

  it('--json gives the documented document', async (context) => {
    const file = await program(context, 'x86_64', 'ignore-rela', ['samples/hello.c'], IGNORE_RELA_FLAGS);
    const result = await piekit([file, '--json']);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual([
      'file',
      'arch',
      'method',
      'verified',
      'stopPoint',
      'plannedWords',
      'notChecked',
      'resolvedAtRunTime',
      'runs',
    ]);
    expect(report).toMatchObject({ file, arch: 'x86_64', method: 'gdbstub', verified: false, notChecked: [] });
    expect(report.stopPoint).toEqual({
      kind: 'address',
      symbol: 'piekit_after_relocation',
      vaddr: expect.stringMatching(/^0x[0-9a-f]+$/),
      systemCalls: null,
      chosenBy: 'piekit',
    });
    const [run] = report.runs;
    expect(Object.keys(run)).toEqual(['base', 'end', 'verified', 'afterwards', 'message', 'resolved', 'compared']);
    expect(run.base).toBe('0x4000000000');
    expect(run.end).toEqual({ reason: 'stop point', address: expect.stringMatching(/^0x40000[0-9a-f]+$/) });
    expect(Object.keys(run.compared)).toEqual(['words', 'matching', 'counts', 'differences']);
    expect(run.compared.words).toBe(report.plannedWords);
    expect(run.compared.counts).toEqual({ unrelocated: report.plannedWords, 'relocated twice': 0, shifted: 0, other: 0, overwritten: 0 });
    const [difference] = run.compared.differences;
    expect(Object.keys(difference)).toEqual(['address', 'vaddr', 'section', 'symbol', 'expected', 'actual', 'kind', 'writers']);
    expect(difference.kind).toBe('unrelocated');
  });

  it('reports a program that exits, or runs past the timeout, before the stop: nothing compared, status 1', async (context) => {
    const file = await program(context, 'x86_64', 'spinner', [scratch.at('spinner.c')]);
    const exited = await piekit([file, '--stop-at', 'never']);
    expect(exited.exitCode).toBe(1);
    expect(exited.stdout).toMatch(/: nothing compared \(base 0x4000000000, exited with status 0 before reaching never \(0x[0-9a-f]+\)\)/);
    const started = performance.now();
    const spinning = await piekit([file, '--stop-at', 'never', '--timeout', '1', '--', 'spin']);
    expect(spinning.exitCode).toBe(1);
    expect(spinning.stdout).toContain('nothing compared (base 0x4000000000, no stop within 1 s)');
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('compares the memory of a program that faults before the stop, naming the signal and where, and does not call it verified', async (context) => {
    const file = await program(context, 'x86_64', 'crasher', [scratch.at('crasher.c')]);
    const result = await piekit([file, '--stop-at', 'main']);
    // main is reached: relocation is over, and every word is as planned.
    expect(result.exitCode, result.stdout).toBe(0);
    const faulting = await program(context, 'x86_64', 'crasher-never', [scratch.at('crasher.c'), scratch.at('never.c')]);
    const crashed = await piekit([faulting, '--stop-at', 'never']);
    expect(crashed.exitCode, crashed.stdout).toBe(1);
    expect(crashed.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^\S+: 1\/1 planned words as planned, not verified; base 0x4000000000; stopped by SIGSEGV at 0x4000[0-9a-f]+ \(vaddr 0x[0-9a-f]+, \.text main\+0x[0-9a-f]+\) before reaching never \(0x[0-9a-f]+\)$/,
      ),
      '  died by SIGSEGV before the stop: not verified',
    ]);
  });

  it('--core reads a core qemu-user wrote', async (context) => {
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const file = await program(context, 'x86_64', 'crasher', [scratch.at('crasher.c')]);
    const cores = scratch.at('cores');
    await mkdir(join(cores, 'core'), { recursive: true });
    await execa('bash', ['-c', `ulimit -c unlimited; exec qemu-x86_64 ${file}`], { cwd: cores, reject: false });
    const core = (await readdir(cores)).find((name) => name.endsWith('.core'));
    expect(core).toBeDefined();
    const result = await piekit([file, '--core', join(cores, core as string)]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/planned words as planned, verified; base 0x4000000000; read from a core \(SIGSEGV\)/);
  });

  it("takes a sample's own dump when it carries piekit's dump hook", async (context) => {
    const file = await dumping(context, 'hello-dump');
    const result = await piekit([file, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ method: 'dump', verified: true, stopPoint: null });
    expect(report.runs[0].end).toEqual({ reason: 'dump', exitStatus: 0, signal: null, selfCheck: true });
  });

  it('finds the dump hook in constant data, and in a file whose section headers are gone', async (context) => {
    await requireCommand(context, 'llvm-objcopy-19', 'llvm-19');
    const hooked = await dumping(context, 'hooked');
    const unhooked = await program(context, 'x86_64', 'hello', ['samples/hello.c']);
    await execa('llvm-objcopy-19', ['--strip-sections', hooked, `${hooked}-no-sections`]);
    const found = (file: string): boolean => hasDumpHook(readElfFile(file));
    expect(readElfFile(`${hooked}-no-sections`).sectionHeaders).toEqual([]);
    expect([found(hooked), found(`${hooked}-no-sections`), found(unhooked)]).toEqual([true, true, false]);
  });
});

describe('refusals: one line, status 2', () => {
  async function expectRefusal(args: readonly string[], message: RegExp, env: Record<string, string> = {}): Promise<void> {
    const result = await piekit(args, env);
    expect(result.exitCode, result.stdout).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  }

  it('a program with PT_INTERP, and an ET_EXEC one', async (context) => {
    requireX86_64Host(context);
    const source = scratch.at('spinner-libc.c');
    await writeFile(source, 'int main(void) { return 0; }\n');
    await execa('gcc', ['-pie', source, '-o', scratch.at('dynamic')]);
    await execa('gcc', ['-static', '-no-pie', source, '-o', scratch.at('fixed')]);
    await expectRefusal([scratch.at('dynamic')], /PT_INTERP names a dynamic linker.*not a static-PIE \[NOT_PIE\]/);
    await expectRefusal([scratch.at('fixed')], /e_type = ET_EXEC.*not position-independent \[NOT_PIE\]/);
  });

  for (const arch of ['powerpcle', 'loongarch32', 'arc']) {
    it(`${arch}: qemu-user 7.2 has no emulator for it`, async (context) => {
      const file = await hello(context, arch);
      await expectRefusal([file], new RegExp(`^piekit: qemu-user 7.2 has no emulator for ${arch}`));
    });
  }

  it('qemu missing from PATH, naming the Debian package', async (context) => {
    const file = await hello(context);
    const empty = scratch.at('empty-path');
    await mkdir(empty, { recursive: true });
    await expectRefusal([file], /^piekit: qemu-x86_64 is not installed \(Debian package qemu-user\)/, { PATH: empty });
  });

  it('a base that is taken, whether the sample writes its own dump or runs under the GDB stub', async (context) => {
    await requireCommand(context, 'setarch', 'util-linux');
    const dumped = await dumping(context, 'taken-dump');
    // Without address randomisation the stack ends at 0x7ffffffff000: the loader's own, run
    // natively for the dump, and qemu-user's, which shares the guest's addresses, under the stub.
    for (const file of [dumped, await hello(context)]) {
      const result = await execa('setarch', ['-R', process.execPath, CLI, 'verify', file, '--base', '0x7ffffffe0000'], { reject: false });
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^piekit: base 0x7ffffffe0000 is taken( under \S+)? \(the loader exited with 107\): choose another$/);
    }
  });

  it('an address in no executable segment, naming the segments; an unknown symbol, naming the closest', async (context) => {
    await requireCommand(context, 'llvm-strip-19', 'llvm-19');
    const file = await program(context, 'x86_64', 'stripped', ['samples/hello.c']);
    await execa('llvm-strip-19', [file]);
    await expectRefusal(
      [file, '--stop-at', '0x0'],
      /--stop-at 0x0: .* executes nothing there; its code lies in PT_LOAD \d+ \[0x[0-9a-f]+, 0x[0-9a-f]+\)$/,
    );
    await expectRefusal([await hello(context), '--stop-at', 'mian'], /--stop-at mian: .* has no symbol of that name \(closest: main, /);
  });
});

describe('cleanup', () => {
  beforeEach((context) => requireCommand(context, 'qemu-x86_64', 'qemu-user'));

  it('leaves no qemu running when interrupted with Ctrl-C', async (context) => {
    const file = await program(context, 'x86_64', 'spinner', [scratch.at('spinner.c')]);
    const child = execa(process.execPath, [CLI, 'verify', file, '--stop-at', 'never', '--', 'spin'], { reject: false });
    for (let waited = 0; (await leftoverQemu()).length === 0; waited += 50) {
      expect(waited, 'qemu never started').toBeLessThan(20_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.signal).toBe('SIGINT');
    expect(await leftoverQemu()).toEqual([]);
  });

  it('leaves no qemu process and no socket directory behind', async () => {
    expect(await leftoverQemu()).toEqual([]);
    expect((await readdir(temporary.path)).filter((name) => name.startsWith('piekit-gdb-'))).toEqual([]);
  });
});
