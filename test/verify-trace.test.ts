/**
 * `piekit verify --trace` from the shell: the trace's findings beside verify's comparison. A clean
 * sample is verified and traced clean; the read-early variant relocates every word right (verify
 * passes) yet reads one before relocating it, which only the trace sees, and the status is 1.
 */
import { execa } from 'execa';
import { type Arch, architectures } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { requireCommand, requireToolchain } from './support/environment.js';
import { builtProgram } from './support/samples.js';
import { READ_EARLY_FLAGS } from './support/variants.js';

const CLI = 'dist/loader/cli/main.js';
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

function build(arch: Arch, variant: string, cflags: readonly string[]): Promise<string> {
  return builtProgram({ sources: ['samples/hello.c'], arch: arch.name, relr: false, dump: false, cflags }, `hello-${variant}`);
}

function piekit(...args: string[]) {
  return execa('node', [CLI, ...args], { reject: false, encoding: 'utf8' });
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

      const early = await piekit('verify', readEarly, '--trace', '--json');
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

  it('refuses --trace with --core: a core file has no run to trace', async () => {
    const refused = await piekit('verify', 'no-such-file', '--core', 'no-such-core', '--trace');
    expect(refused.exitCode).toBe(64);
    expect(refused.stderr).toMatch(/--trace does not apply/);
  });
});
