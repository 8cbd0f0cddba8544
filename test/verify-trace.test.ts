/**
 * `piekit verify --trace` from the shell: the trace's findings beside verify's comparison, from one
 * run. A clean sample is verified and traced clean; the read-early variant relocates every word
 * right (verify passes) yet reads one before relocating it, which only the trace sees, and the
 * status is 1. A qemu on PATH that logs its arguments before running the real one shows the
 * single run: one qemu, with the trace plugin and the GDB stub together.
 */

import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { type Arch, architectures } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { missing, requireCommand, requireToolchain } from './support/environment.js';
import { builtProgram, makeSamples, samplePath } from './support/samples.js';
import { READ_EARLY_FLAGS } from './support/variants.js';

/** The host's architecture and a big-endian one. */
const ARCHES = architectures.filter((arch) => arch.name === 'x86_64' || arch.name === 's390x');

interface TraceDocument {
  readonly base: string;
  readonly clean: boolean;
  readonly words: Record<string, number>;
  readonly findings: readonly {
    readonly kind: string;
    readonly word: { readonly address: string };
    readonly by: { readonly symbol: string } | null;
  }[];
}

function build(arch: Arch, variant: string, cflags: readonly string[], dump = false): Promise<string> {
  return builtProgram({ sources: ['samples/hello.c'], arch: arch.name, relr: false, dump, cflags }, `hello-${variant}`);
}

function piekit(...args: string[]) {
  return execa('node', [CLI, ...args], { reject: false, encoding: 'utf8' });
}

/** Runs piekit with a qemu of the same name first on PATH that logs its arguments, one line per run, and runs the real one. */
async function piekitLoggingQemu(qemu: string, args: readonly string[]) {
  const directory = await mkdtemp(join(tmpdir(), 'piekit-qemu-log-'));
  try {
    const real = (await execa('sh', ['-c', `command -v ${qemu}`])).stdout.trim();
    const log = join(directory, 'runs');
    const shim = join(directory, qemu);
    await writeFile(shim, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    await chmod(shim, 0o755);
    const result = await execa('node', [CLI, ...args], {
      reject: false,
      encoding: 'utf8',
      env: { PATH: `${directory}:${process.env.PATH ?? ''}` },
    });
    const runs = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
    return { result, runs };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('piekit verify --trace', () => {
  it('has its two architectures', () => expect(ARCHES).toHaveLength(2));

  for (const arch of ARCHES) {
    it(arch.name, { timeout: 300_000 }, async (context) => {
      await requireToolchain(context, arch);
      await requireCommand(context, arch.emulator?.command ?? `qemu for ${arch.name}`, 'qemu-user');
      const [plain, readEarly] = await Promise.all([build(arch, 'plain', []), build(arch, 'read-early', READ_EARLY_FLAGS)]);

      const clean = await piekit('verify', plain, '--trace', '--json');
      expect(clean.stderr).toBe('');
      expect(clean.exitCode, clean.stdout).toBe(0);
      const cleanDocument = JSON.parse(clean.stdout) as { verified: boolean; trace: TraceDocument };
      expect(cleanDocument.verified).toBe(true);
      expect(cleanDocument.trace.clean).toBe(true);
      expect(cleanDocument.trace.findings).toEqual([]);
      // The member is the document `piekit trace --json` prints for the same file.
      const alone = await piekit('trace', plain, '--json');
      expect(alone.exitCode, alone.stderr).toBe(0);
      const aloneDocument = JSON.parse(alone.stdout) as TraceDocument;
      expect(Object.keys(cleanDocument.trace)).toEqual(Object.keys(aloneDocument));
      expect(cleanDocument.trace.words).toEqual(aloneDocument.words);

      const { result: early, runs } = await piekitLoggingQemu(arch.emulator?.command ?? '', ['verify', readEarly, '--trace', '--json']);
      expect(runs, runs.join('\n')).toHaveLength(1);
      expect(runs[0]).toMatch(/^-plugin \S*piekit-trace\.so,\S*onstop=continue -g /);
      expect(early.stderr).toBe('');
      expect(early.exitCode, early.stdout).toBe(1);
      const earlyDocument = JSON.parse(early.stdout) as { verified: boolean; trace: TraceDocument };
      // Every planned word holds its planned value at the stop: memory alone cannot see the defect.
      expect(earlyDocument.verified).toBe(true);
      expect(earlyDocument.trace.clean).toBe(false);
      const reads = earlyDocument.trace.findings.filter((finding) => finding.kind === 'read before relocation');
      expect(reads.length, early.stdout).toBeGreaterThan(0);
      expect(reads[0]?.by?.symbol).toMatch(/^pk_start_c\+0x/);
      expect(earlyDocument.trace.words.readBeforeRelocation).toBe(reads.length);

      // The text: verify's report, then the trace's summary line and its findings.
      const text = await piekit('verify', readEarly, '--trace');
      expect(text.exitCode, text.stdout).toBe(1);
      const lines = text.stdout.split('\n');
      const summary = lines.findIndex((line) => line.startsWith(`${readEarly}: ${reads.length} read before relocation`));
      expect(summary, text.stdout).toBeGreaterThan(0);
      expect(lines.slice(summary).some((line) => line.includes('read before relocation') && line.includes('pk_start_c'))).toBe(true);
    });
  }

  it('a sample that dumps its own memory: its dump and its trace from one run under qemu, on the host too', { timeout: 300_000 }, async (context) => {
    const [arch] = ARCHES;
    if (arch === undefined) throw new Error('no x86_64 record');
    await requireToolchain(context, arch);
    await requireCommand(context, arch.emulator?.command ?? 'qemu-x86_64', 'qemu-user');
    const readEarly = await build(arch, 'read-early-dump', READ_EARLY_FLAGS, true);
    const { result, runs } = await piekitLoggingQemu(arch.emulator?.command ?? '', ['verify', readEarly, '--trace', '--json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode, result.stdout).toBe(1);
    // Natively run without --trace; under qemu with the plugin, no GDB stub, with it.
    expect(runs, runs.join('\n')).toHaveLength(1);
    expect(runs[0]).toMatch(/^-plugin \S*piekit-trace\.so,\S*stop=0x[0-9a-f]+,onstop=continue \S*read-early-dump$/);
    const document = JSON.parse(result.stdout) as { method: string; verified: boolean; trace: TraceDocument & { stop: { reached: boolean } } };
    expect(document.method).toBe('dump');
    expect(document.verified).toBe(true);
    expect(document.trace.stop.reached).toBe(true);
    expect(document.trace.findings.map((finding) => finding.kind)).toEqual(['read before relocation']);
    expect(document.trace.findings[0]?.by?.symbol).toMatch(/^pk_start_c\+0x/);
  });

  it("a qemu that cannot load plugins (Debian's qemu-aarch64-static as qemu-aarch64): exit 2 naming it, from trace and verify --trace", async (context) => {
    const shipped = join(import.meta.dirname, '..', 'build', 'shipped', 'qemu-aarch64-static');
    if (!existsSync(shipped)) missing(context, `${shipped}, fetched by scripts/fetch-shipped`);
    if (!(await makeSamples('aarch64')).ok) missing(context, 'the aarch64 samples (clang-19, lld-19)');
    const sample = samplePath('aarch64', 'hello-rela');
    const directory = await mkdtemp(join(tmpdir(), 'piekit-static-qemu-'));
    try {
      await symlink(shipped, join(directory, 'qemu-aarch64'));
      const env = { PATH: `${directory}:${process.env.PATH ?? ''}` };
      const run = (...args: string[]) => execa('node', [CLI, ...args], { reject: false, encoding: 'utf8', env });
      const refusal = /^piekit: qemu-aarch64 cannot load plugins \(.*unknown option 'plugin'\): the trace needs a qemu-user that loads TCG plugins/;
      // The sample dumps its memory itself; --stop-at puts verify's run under the GDB stub.
      for (const args of [
        ['trace', sample],
        ['verify', sample, '--trace'],
        ['verify', sample, '--trace', '--stop-at', 'piekit_after_relocation'],
      ]) {
        const result = await run(...args);
        expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(refusal);
        expect(result.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
        expect(result.stdout).toBe('');
      }
      // The same qemu runs the program: only the trace needs plugins.
      const plain = await run('verify', sample, '--stop-at', 'piekit_after_relocation');
      expect(plain.exitCode, plain.stderr).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses --trace with --core: a core file has no run to trace', async () => {
    const refused = await piekit('verify', 'no-such-file', '--core', 'no-such-core', '--trace');
    expect(refused.exitCode).toBe(64);
    expect(refused.stderr).toMatch(/--trace does not apply/);
  });
});
