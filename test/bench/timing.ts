import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** The median of `runs` timings of `work`, in milliseconds, after `warmUps` runs (one by default). */
export function medianMs(runs: number, work: () => void, warmUps = 1): number {
  for (let run = 0; run < warmUps; run++) work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** The median wall time of a command with its output discarded, as a user would run it. */
export function commandMs(runs: number, command: string, args: readonly string[]): number {
  const sink = openSync('/dev/null', 'w');
  try {
    return medianMs(runs, () => {
      const result = spawnSync(command, args, { stdio: ['ignore', sink, 'inherit'] });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}`);
    });
  } finally {
    closeSync(sink);
  }
}
