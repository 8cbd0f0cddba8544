import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Targets of the command line on a library of 300,000 relocations, as ratios to `readelf -r -W` in the same run. */
const TARGETS = { ratio: 0.5, planJsonRatio: 0.25, peakMb: 150 } as const;
const RUNS = 3;

interface Measured {
  /** Median wall time of the runs, in seconds. */
  readonly seconds: number;
  /** Highest peak resident set size of the runs, in MB. */
  readonly peakMb: number;
}

/**
 * Wall time and peak memory of a command as a user runs it, output discarded: GNU time's %e and
 * %M (the child's getrusage maximum resident set size). Exit status 1 (audit's and verify's "found
 * something") is a result, not a failure.
 */
function measure(runs: number, command: string, args: readonly string[], scratch: string): Measured {
  const seconds: number[] = [];
  let peakKb = 0;
  const report = join(scratch, 'time.txt');
  for (let run = 0; run < runs; run++) {
    const result = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', report, command, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}`);
    const [elapsed, kb] = (readFileSync(report, 'latin1').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    seconds.push(elapsed ?? Number.NaN);
    peakKb = Math.max(peakKb, kb ?? 0);
  }
  seconds.sort((a, b) => a - b);
  return { seconds: seconds[Math.floor(seconds.length / 2)] ?? Number.NaN, peakMb: peakKb / 1000 };
}

/**
 * A core of `program` taken by qemu-user while it spins in `_start` before relocating anything:
 * every word of its plan is unrelocated, so `verify --core` reports them all. Cached beside it.
 */
async function coreOf(program: string, cacheDir: string): Promise<string> {
  const core = join(cacheDir, `${basename(program)}.core`);
  if (existsSync(core)) return core;
  const directory = join(cacheDir, 'core-run');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const child = spawn('bash', ['-c', 'ulimit -c unlimited; exec qemu-x86_64 "$0"', program], { cwd: directory, stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // SIGQUIT's default action dumps core: qemu-user writes the guest's as qemu_<name>_<time>_<pid>.core.
  child.kill('SIGQUIT');
  await new Promise((resolve) => child.once('exit', resolve));
  const written = readdirSync(directory).find((name) => name.startsWith('qemu_') && name.endsWith('.core'));
  if (written === undefined) throw new Error(`qemu-x86_64 wrote no core of ${program} in ${directory}`);
  renameSync(join(directory, written), core);
  rmSync(directory, { recursive: true, force: true });
  return core;
}

interface Row {
  readonly name: string;
  readonly measured: Measured;
  /** The time target as a ratio to readelf's, or undefined for a peer. */
  readonly target: number | undefined;
}

/**
 * Every command of the command line on each file, against `readelf -r -W` and `llvm-readelf-19
 * --relocations` listing the same relocations in the same run: time, peak memory, the ratio to
 * readelf's time and whether the targets (set for the 300,000-relocation library) are met.
 */
export async function reportCommands(
  cli: string,
  files: readonly { readonly path: string; readonly targets: boolean }[],
  cacheDir: string,
): Promise<void> {
  console.log(`piekit from the shell, output to /dev/null (median of ${RUNS} runs; peak resident memory)`);
  console.log(
    `targets on libLLVM: each command <= ${TARGETS.ratio}x readelf -r -W's time, plan --json <= ${TARGETS.planJsonRatio}x; ` +
      `peak memory <= ${TARGETS.peakMb} MB\n`,
  );
  const scratch = join(cacheDir, 'commands');
  mkdirSync(scratch, { recursive: true });
  const node = process.execPath;
  for (const { path, targets } of files) {
    const piekit =
      (target: number | undefined, name: string, ...args: string[]): (() => Row) =>
      () => ({
        name,
        measured: measure(name.startsWith('verify') ? 1 : RUNS, node, [cli, ...args], scratch),
        target: targets ? target : undefined,
      });
    const base = ['--base', '0x7f0000000000'];
    const isRelr = path.includes('relr');
    const runs: (() => Row)[] = [
      () => ({ name: 'readelf -r -W', measured: measure(RUNS, 'readelf', ['-r', '-W', path], scratch), target: undefined }),
      () => ({
        name: 'llvm-readelf-19 --relocations',
        measured: measure(RUNS, 'llvm-readelf-19', ['--relocations', path], scratch),
        target: undefined,
      }),
      // Node's own start-up, the floor under every piekit command: a target below it cannot be met.
      () => ({ name: 'node -e 0 (start-up alone)', measured: measure(RUNS, node, ['-e', '0'], scratch), target: undefined }),
      // And piekit's: Node with the command line's first chunk loaded, before any command's own.
      piekit(undefined, 'piekit --version (start-up)', '--version'),
      piekit(TARGETS.ratio, 'inspect', 'inspect', path),
      piekit(TARGETS.ratio, 'inspect --json', 'inspect', path, '--json'),
      piekit(TARGETS.ratio, 'plan', 'plan', path, ...base),
      piekit(TARGETS.planJsonRatio, 'plan --json', 'plan', path, ...base, '--json'),
      piekit(TARGETS.ratio, 'audit', 'audit', path),
      piekit(TARGETS.ratio, 'audit --json', 'audit', path, '--json'),
      isRelr
        ? piekit(TARGETS.ratio, 'unpack', 'unpack', path, '-o', join(scratch, 'converted'))
        : piekit(TARGETS.ratio, 'pack', 'pack', path, '-o', join(scratch, 'converted')),
    ];
    const rows = runs.map((run) => run());
    // libLLVM is a library and runs nowhere; the RELR program spins in _start and gives a core.
    if (isRelr) rows.push(piekit(TARGETS.ratio, 'verify --core', 'verify', path, '--core', await coreOf(path, cacheDir))());
    const readelf = rows[0]?.measured.seconds ?? Number.NaN;
    console.log(path);
    console.log(`  ${'command'.padEnd(31)}${'time'.padStart(9)}${'peak'.padStart(10)}${'/ readelf'.padStart(11)}  targets`);
    for (const row of rows) {
      const ratio = row.measured.seconds / readelf;
      const verdict =
        row.target === undefined
          ? ''
          : `time ${ratio <= row.target ? 'met' : 'NOT met'} (<= ${row.target}x), memory ${row.measured.peakMb <= TARGETS.peakMb ? 'met' : 'NOT met'}`;
      console.log(
        `  ${row.name.padEnd(31)}${`${row.measured.seconds.toFixed(2)} s`.padStart(9)}${`${row.measured.peakMb.toFixed(0)} MB`.padStart(10)}` +
          `${`${ratio.toFixed(2)}x`.padStart(11)}  ${verdict}`,
      );
    }
    console.log('');
  }
  rmSync(join(scratch, 'converted'), { force: true });
}
