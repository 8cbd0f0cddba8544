/**
 * The dump method: a piekit sample (startup/dump.c) writes its memory to fd 3 right after relocating
 * (docs/dump-format.md); every word of its writable segments is compared with the plan, and its
 * own pointer checks count too.
 */
import { execa } from 'execa';
import { ElfError, type ElfFile, type Endian, hex } from '../../elf/index.js';
import { type Engine, relocate } from '../engines/index.js';
import { PiekitError } from '../errors.js';
import { compareSegments, layoutOf, type Plan } from '../model/index.js';
import { baseTakenError, emulatorFor, isLoaderStatus, LOADER_STATUS, loaderCommand, loaderFor, requireEmulator } from '../userland/index.js';
import { randomBase } from './gdbstub/load-bases.js';
import type { RunObserver } from './observer.js';
import type { VerifyRun } from './report.js';

/** A sample's memory after its own relocation, as written to fd 3 (docs/dump-format.md). */
export interface Dump {
  readonly wordSize: 4 | 8;
  readonly endian: Endian;
  readonly base: bigint;
  readonly segments: readonly DumpSegment[];
}

export interface DumpSegment {
  readonly vaddr: bigint;
  readonly bytes: Uint8Array;
}

const MAGIC = 'PIEKDUMP';
const VERSION = 1;
const HEADER_SIZE = 16;

export function parseDump(bytes: Uint8Array): Dump {
  const fail = (what: string): never => {
    throw new ElfError('BAD_DUMP', `Invalid dump ${what}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`header: ${bytes.length} bytes, at least ${HEADER_SIZE} needed`);
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) fail('magic: expected PIEKDUMP');
  if (bytes[8] !== VERSION) fail(`version: ${bytes[8]}`);
  const wordSize = bytes[9];
  if (wordSize !== 4 && wordSize !== 8) return fail(`word size: ${wordSize}`);
  const order = bytes[10];
  if (order !== 1 && order !== 2) return fail(`byte order: ${order}`);
  const little = order === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = HEADER_SIZE;
  const word = (what: string): bigint => {
    if (at + wordSize > bytes.length) fail(`${what}: the stream ends at byte ${bytes.length}`);
    const value = wordSize === 8 ? view.getBigUint64(at, little) : BigInt(view.getUint32(at, little));
    at += wordSize;
    return value;
  };
  const base = word('load base');
  const count = word('segment count');
  const segments: DumpSegment[] = [];
  for (let index = 0n; index < count; index++) {
    const vaddr = word(`segment ${index} p_vaddr`);
    const memsz = word(`segment ${index} p_memsz`);
    if (memsz > BigInt(bytes.length - at)) fail(`segment ${index}: ${memsz} bytes announced, ${bytes.length - at} left`);
    segments.push({ vaddr, bytes: bytes.subarray(at, at + Number(memsz)) });
    at += Number(memsz);
    at += (wordSize - (at % wordSize)) % wordSize;
  }
  return { wordSize, endian: little ? 'little' : 'big', base, segments };
}

/** A dump must come from a program of the plan's own class and byte order. */
export function checkDumpFits(plan: Plan, dump: Dump): void {
  const { wordSize } = plan.layout;
  const endian = plan.elf.reader.endian;
  if (dump.wordSize !== wordSize || dump.endian !== endian) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${dump.wordSize * 8}-bit ${dump.endian}-endian, the file is ${wordSize * 8}-bit ${endian}-endian`);
  }
}

export interface SampleRun {
  readonly dump: Dump | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
}

/**
 * Runs a program with a pipe on fd 3, where piekit samples write their dump, and stdio captured.
 * `prefix` is the emulator command (empty to run natively). A program that writes no dump yields
 * `dump: undefined`; one that dies still yields what it printed.
 */
export async function runSample(file: string, prefix: readonly string[], args: readonly string[] = [], timeoutMs = 60_000): Promise<SampleRun> {
  const [command, ...rest] = [...prefix, file, ...args];
  const result = await execa(command as string, rest, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    encoding: 'buffer',
    reject: false,
    timeout: timeoutMs,
  });
  const dumpBytes = result.stdio[3];
  const decoder = new TextDecoder();
  return {
    dump: dumpBytes instanceof Uint8Array && dumpBytes.length > 0 ? parseDump(dumpBytes) : undefined,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
    exitCode: result.exitCode,
    signal: result.signal,
  };
}

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
  /** Started with the sample's qemu (under qemu even on the host), shown how it ended. */
  readonly observer?: RunObserver | undefined;
}

/**
 * One run of a sample that writes its own memory to fd 3 right after relocating (startup/dump.c):
 * every word of its writable segments compared with the plan, and its own pointer checks.
 */
export async function dumpRun(request: DumpRunRequest): Promise<VerifyRun> {
  const { elf, file } = request;
  const [command, ...rest] = await commandFor(request);
  let run: Awaited<ReturnType<typeof runSample>>;
  try {
    run = await runSample(command as string, [], rest, request.timeoutMs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PiekitError('ENVIRONMENT', `cannot run ${file}: '${command}' is not installed (Debian package qemu-user)`);
    throw error;
  }
  const ended = { exitStatus: run.exitCode, signal: run.signal };
  const selfCheck = run.exitCode === 0 && run.stdout.trim().split('\n').at(-1) === 'ok';
  const end = { reason: 'dump' as const, ...ended, selfCheck };
  await request.observer?.observe(end, run.stderr);
  // Through piekit's loader, which refused the file or the base before the program ran: as the GDB stub's runs say it.
  if (run.dump === undefined && request.base !== undefined && run.exitCode !== undefined && isLoaderStatus(run.exitCode)) {
    if (run.exitCode === LOADER_STATUS.baseTaken && typeof request.base === 'bigint') {
      throw baseTakenError(request.base, command === (await loaderFor(elf.arch.name)) ? undefined : command);
    }
    const refusal = `piekit's loader refused it: ${run.stderr.trim()}`;
    return { base: undefined, end, compared: undefined, resolved: undefined, verified: false, afterwards: undefined, message: refusal };
  }
  if (run.dump === undefined) {
    const how = run.signal === undefined ? `exit status ${run.exitCode}` : `signal ${run.signal}`;
    return {
      base: undefined,
      end,
      compared: undefined,
      resolved: undefined,
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
      resolved: undefined,
      verified: false,
      afterwards: undefined,
      message: `asked for base ${hex(request.base)}, it ran at ${hex(run.dump.base)}`,
    };
  }
  const { plan: used, image } = request.plan === undefined ? relocate(elf, run.dump.base, 'native') : { plan: request.plan, image: undefined };
  checkDumpFits(used, run.dump);
  const compared = compareSegments(used, run.dump, image);
  return {
    base: run.dump.base,
    end,
    compared,
    resolved: undefined,
    verified: compared.differing === 0 && selfCheck,
    afterwards: undefined,
    message: selfCheck ? undefined : `its own checks failed: ${`${run.stdout.trim()} ${run.stderr.trim()}`.trim()}`,
  };
}

/** The kernel loads the file (natively or under qemu-user) unless a base is asked for: then piekit's loader does. */
async function commandFor(request: DumpRunRequest): Promise<string[]> {
  const { elf, file, base, args, observer } = request;
  if (observer !== undefined) return observedCommand(elf, file, base, args, observer);
  if (base !== undefined) return loaderCommand(elf, file, base, args);
  const prefix = request.runner ?? emulatorFor(elf);
  if (prefix === undefined)
    throw new PiekitError('ENVIRONMENT', `qemu-user 7.2 has no emulator for ${elf.arch.name}; pass --runner CMD to choose one`);
  return [...prefix, file, ...args];
}

/**
 * Under qemu-user even on the host, the observer's options first. The observer must know the
 * base the loader uses, so a random one is drawn here rather than by the loader.
 */
async function observedCommand(
  elf: ElfFile,
  file: string,
  asked: bigint | 'random' | undefined,
  args: readonly string[],
  observer: RunObserver,
): Promise<string[]> {
  if (asked === undefined) return [await requireEmulator(elf), ...observer.qemuOptions({ base: undefined, stop: undefined }), file, ...args];
  const base = asked === 'random' ? randomBase(elf.arch, layoutOf(elf)) : asked;
  const loader = await loaderFor(elf.arch.name);
  return [await requireEmulator(elf), ...observer.qemuOptions({ base, stop: undefined }), loader, '--base', hex(base), '--', file, ...args];
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text === '' ? '' : `: ${text}`;
}
