/**
 * A core file written by the kernel itself, wherever the host's `core_pattern` puts it: in the
 * working directory (`core`, `core.PID`, or any pattern without a slash), or in the absolute
 * directory the pattern names. A pattern that pipes cores to a handler (systemd-coredump, apport)
 * or a hard limit of 0 on core size leaves no file piekit can read: the reason says which.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { execa } from 'execa';

export type KernelCore = { readonly core: string } | { readonly unavailable: string };

/** Runs `program` (which must die of a signal) with cores enabled, in `directory`, and finds its core. */
export async function kernelCoreOf(program: string, directory: string): Promise<KernelCore> {
  const pattern = readProc('/proc/sys/kernel/core_pattern') ?? 'core';
  if (pattern.startsWith('|')) {
    return { unavailable: `the kernel's core_pattern (${pattern}) pipes cores to a handler, not to a file; set it to 'core' to run this test` };
  }
  const hardLimit = (await execa('bash', ['-c', 'ulimit -Hc'])).stdout.trim();
  if (hardLimit === '0') return { unavailable: 'the hard limit on core size (ulimit -Hc) is 0 here, so the kernel writes no core' };
  const where = pattern.includes('/') ? (isAbsolute(pattern) ? dirname(pattern) : join(directory, dirname(pattern))) : directory;
  if (where.includes('%'))
    return { unavailable: `the kernel's core_pattern (${pattern}) names its directory by process; piekit looks in one directory` };
  const subprocess = execa('bash', ['-c', `ulimit -c unlimited && exec ${program}`], { cwd: directory, reject: false });
  const pid = subprocess.pid ?? 0;
  const run = await subprocess;
  const usesPid = readProc('/proc/sys/kernel/core_uses_pid') === '1' && !pattern.includes('%p');
  const expected = new RegExp(`^${namePattern(basename(pattern), pid, basename(program))}${usesPid ? `\\.${pid}` : ''}$`);
  const core = existsSync(where) ? (await readdir(where)).find((name) => expected.test(name)) : undefined;
  if (core === undefined) {
    return { unavailable: `the kernel's core_pattern (${pattern}) wrote no core of process ${pid} into ${where} (${run.signal ?? run.exitCode})` };
  }
  return { core: join(where, core) };
}

function readProc(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** core(5)'s specifiers as a regular expression: %p the pid, %e the name (15 bytes at most), any other a field. */
function namePattern(pattern: string, pid: number, program: string): string {
  return pattern
    .split(/(%.)/)
    .map((part) => {
      if (part === '%p' || part === '%P') return String(pid);
      if (part === '%e') return literal(program.slice(0, 15));
      if (part === '%%') return '%';
      if (part.startsWith('%') && part.length === 2) return '[^/]*';
      return literal(part);
    })
    .join('');
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
