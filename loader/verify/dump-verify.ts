import { type ElfFile, hex } from '../../elf/index.js';
import { type Engine, relocate } from '../engines/index.js';
import { EnvironmentError } from '../environment.js';
import type { Plan } from '../model/index.js';
import { emulatorFor, loaderCommand } from '../userland/index.js';
import { compareSegments } from './compare.js';
import { checkDumpFits } from './dump.js';
import { runSample } from './dump-run.js';
import { comparedWords, type VerifyRun } from './report.js';

export interface DumpRunRequest {
  readonly elf: ElfFile;
  readonly file: string;
  /** The TypeScript plan, shared by every run; undefined with the native engine, which relocates at each run's base. */
  readonly plan: Plan | undefined;
  readonly engine: Engine;
  /** With a base, the sample runs through piekit's loader; else as the kernel (or `runner`) loads it. */
  readonly base: bigint | 'random' | undefined;
  readonly runner: readonly string[] | undefined;
  readonly args: readonly string[];
  readonly timeoutMs: number;
}

/**
 * One run of a sample that writes its own memory to fd 3 right after relocating (startup/dump.c):
 * every word of its writable segments compared with the plan, and its own pointer checks.
 */
export async function verifyDumpRun(request: DumpRunRequest): Promise<VerifyRun> {
  const { elf, file } = request;
  const [command, ...rest] = await commandFor(request);
  let run: Awaited<ReturnType<typeof runSample>>;
  try {
    run = await runSample(command as string, [], rest, request.timeoutMs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new EnvironmentError(`cannot run ${file}: '${command}' is not installed (Debian package qemu-user)`);
    throw error;
  }
  const ended = { exitStatus: run.exitCode, signal: run.signal };
  const selfCheck = run.exitCode === 0 && run.stdout.trim().split('\n').at(-1) === 'ok';
  const end = { reason: 'dump' as const, ...ended, selfCheck };
  if (run.dump === undefined) {
    const how = run.signal === undefined ? `exit status ${run.exitCode}` : `signal ${run.signal}`;
    return {
      base: undefined,
      end,
      compared: undefined,
      verified: false,
      afterwards: undefined,
      message: `wrote no dump on fd 3 (${how})${tail(run.stderr)}`,
    };
  }
  if (typeof request.base === 'bigint' && run.dump.base !== request.base) {
    return {
      base: run.dump.base,
      end,
      compared: undefined,
      verified: false,
      afterwards: undefined,
      message: `asked for base ${hex(request.base)}, it ran at ${hex(run.dump.base)}`,
    };
  }
  const { plan: used, image } = request.plan === undefined ? relocate(elf, run.dump.base, 'native') : { plan: request.plan, image: undefined };
  checkDumpFits(used, run.dump);
  const compared = comparedWords(compareSegments(used, run.dump, image));
  return {
    base: run.dump.base,
    end,
    compared,
    verified: compared.differences.length === 0 && selfCheck,
    afterwards: undefined,
    message: selfCheck ? undefined : `its own checks failed: ${`${run.stdout.trim()} ${run.stderr.trim()}`.trim()}`,
  };
}

/** The kernel loads the file (natively or under qemu-user) unless a base is asked for: then piekit's loader does. */
async function commandFor(request: DumpRunRequest): Promise<string[]> {
  const { elf, file, base, args } = request;
  if (base !== undefined) return loaderCommand(elf, file, base, args);
  const prefix = request.runner ?? emulatorFor(elf);
  if (prefix === undefined) throw new EnvironmentError(`qemu-user 7.2 has no emulator for ${elf.arch.name}; pass --runner CMD to choose one`);
  return [...prefix, file, ...args];
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text === '' ? '' : `: ${text}`;
}
