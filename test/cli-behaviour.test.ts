/**
 * The command line in ordinary use, on the host's own static-PIE (Debian's ldconfig, glibc 2.36):
 * output into a closed pipe, help and version, refusals that name the path or field at fault, and
 * one rule for load bases in every command, applied before anything runs.
 */
import { chmod, copyFile, readdir, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { requireFile, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';

const LDCONFIG = '/usr/sbin/ldconfig';

async function piekit(...args: string[]) {
  return execa('node', [CLI, ...args], { reject: false, stripFinalNewline: false });
}

const scratch = scratchDirectory('cli-behaviour');
describe.concurrent('output into a closed pipe', () => {
  // Both print more than a pipe holds (64 KiB), so the writer meets the closed pipe.
  for (const command of [`inspect ${LDCONFIG}`, `plan ${LDCONFIG} --base 0x7f0000000000`]) {
    it(`piekit ${command} | head -1 ends quietly`, async (context) => {
      requireX86_64Host(context);
      requireFile(context, LDCONFIG, 'libc-bin');
      // The shell's own status of the left side: 141 is what it reports for a program SIGPIPE kills (readelf | head).
      const run = await execa('bash', ['-c', `node ${CLI} ${command} | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { reject: false });
      expect(run.stdout.split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^status (0|141)$/);
    });
  }
});

describe.concurrent('help and version', () => {
  it('piekit --version prints the version package.json gives', async () => {
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const run = await piekit('--version');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(`piekit ${manifest.version}\n`);
  });

  for (const command of ['inspect', 'plan', 'verify', 'audit', 'pack', 'unpack', 'run', 'build']) {
    it(`piekit help ${command} and piekit ${command} --help: the synopsis, and one line for each option it names`, async () => {
      const help = await piekit('help', command);
      const flag = await piekit(command, '--help');
      expect(help.exitCode).toBe(0);
      expect(flag.exitCode).toBe(0);
      expect(flag.stdout).toBe(help.stdout);
      const [synopsis] = help.stdout.split('\n');
      expect(synopsis).toMatch(new RegExp(`^usage: piekit ${command} `));
      const named = new Set([...(synopsis ?? '').matchAll(/\[(--?[a-z-]+)/g)].map((match) => match[1]));
      for (const option of named) expect(help.stdout).toMatch(new RegExp(`\\n  (-o, )?${option}( |,)`));
    });
  }

  it('piekit help lists every command; an unknown topic is wrong usage', async () => {
    const run = await piekit('help');
    expect(run.exitCode).toBe(0);
    for (const command of ['inspect', 'plan', 'verify', 'audit', 'pack', 'unpack', 'run', 'build'])
      expect(run.stdout).toContain(`piekit ${command} `);
    const unknown = await piekit('help', 'frobnicate');
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stdout).toBe('');
  });
});

describe.concurrent('refusals name the path at fault, exit status 2, nothing written', () => {
  it('a directory given as FILE', async () => {
    for (const args of [
      ['inspect', scratch.path],
      ['pack', scratch.path, '-o', scratch.at('out')],
    ]) {
      const run = await piekit(...args);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(`piekit: ${scratch.path}: is a directory, not an ELF file\n`);
    }
  });

  it('an output directory that does not exist: named, and FILE not blamed', async (context) => {
    requireFile(context, LDCONFIG, 'libc-bin');
    const out = scratch.at('missing', 'dir', 'x');
    const run = await piekit('pack', LDCONFIG, '-o', out);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`piekit: -o ${out}: its directory ${scratch.at('missing', 'dir')}: no such file or directory (ENOENT)\n`);
  });

  it('a file without its execute bit, for the commands that run it', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    const copy = scratch.at('ldconfig-0644');
    await copyFile(LDCONFIG, copy);
    await chmod(copy, 0o644);
    for (const args of [
      ['run', copy],
      ['verify', copy],
      ['verify', copy, '--base', '0x7f0000000000'],
    ]) {
      const run = await piekit(...args);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(`piekit: ${copy}: not executable (mode 0644): it must run; chmod +x it\n`);
    }
    // Reading it needs no execute bit.
    expect((await piekit('inspect', copy)).exitCode).toBe(0);
  });
});

describe.concurrent('one rule for load bases, before anything runs', () => {
  // The page and the image's extent from the kernel and GNU readelf, not from piekit.
  const pageOf = async (): Promise<bigint> => BigInt((await execa('getconf', ['PAGESIZE'])).stdout.trim());
  const imageEnd = async (): Promise<bigint> => {
    const { stdout } = await execa('readelf', ['-l', '-W', LDCONFIG]);
    let end = 0n;
    for (const line of stdout.split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[0] !== 'LOAD') continue;
      const top = BigInt(fields[2] ?? '0') + BigInt(fields[5] ?? '0');
      if (top > end) end = top;
    }
    return end;
  };

  it('an unaligned base is refused by plan, verify and run alike, naming the page', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    const page = await pageOf();
    const base = `0x${(0x7f0000000000n + page / 2n).toString(16)}`;
    for (const args of [
      ['plan', LDCONFIG, '--base', base],
      ['verify', LDCONFIG, '--base', base],
      ['run', LDCONFIG, '--base', base],
    ]) {
      const started = Date.now();
      const run = await piekit(...args);
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`piekit: Invalid load base ${base}: it is not aligned to the 0x${page.toString(16)}-byte page of x86_64 [BAD_BASE]\n`);
      // Refused before qemu or the loader start: no program output, well under a run's time.
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('a base that puts the image past the end of the 64-bit address space, or beyond 64 bits', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    const page = await pageOf();
    const end = await imageEnd();
    const high = (1n << 64n) - page;
    const last = `0x${high.toString(16)}`;
    const run = await piekit('plan', LDCONFIG, '--base', last);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`would end at 0x${(high + end).toString(16)}, past the 64-bit address space [BAD_BASE]`);
    const wide = await piekit('plan', LDCONFIG, '--base', '0x10000000000000000');
    expect(wide.exitCode).toBe(2);
    expect(wide.stderr).toBe('piekit: Invalid load base 0x10000000000000000: it does not fit a 64-bit address (x86_64) [BAD_BASE]\n');
    // The highest base that keeps the image inside is accepted.
    const fits = ((1n << 64n) - end) & ~(page - 1n);
    expect((await piekit('plan', LDCONFIG, '--base', `0x${fits.toString(16)}`)).exitCode).toBe(0);
    expect(await readdir(scratch.path)).not.toContain('core');
  });
});
