import { execa } from 'execa';
import { type Dump, parseDump } from './dump.js';

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
