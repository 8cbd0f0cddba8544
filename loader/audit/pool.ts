import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditOptions } from './audit.js';
// Type-only, but it makes the compiler emit the worker next to this module in every build.
import type { WorkerRequest } from './audit-worker.js';
import type { WalkOptions } from './path-audit.js';
import { auditPath, type FileOutcome } from './path-audit.js';

export interface PoolOptions {
  /** Worker threads; by default one per available CPU. 0 audits in this thread. */
  readonly jobs?: number;
  /** Called with each outcome as soon as every earlier path's outcome is known, in path order. */
  readonly onOutcome?: (outcome: FileOutcome, index: number) => void;
}

/** How a pool ran: the worker threads it used (0 when it audited in this thread). */
export interface PoolRun {
  readonly outcomes: readonly FileOutcome[];
  readonly workers: number;
}

/** The compiled worker beside this module: dist/ and build/ have it, the sources under vitest do not. */
export function workerScript(): URL | undefined {
  const url = new URL('./audit-worker.js', import.meta.url);
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Audits every path, spread over worker threads, and gives the outcomes in path order. The largest
 * files are sent first, so that a 100 MB library does not start last and leave the other threads idle.
 */
export async function auditPaths(paths: readonly string[], options: AuditOptions & WalkOptions, pool: PoolOptions = {}): Promise<PoolRun> {
  const script = workerScript();
  const jobs = Math.min(pool.jobs ?? availableParallelism(), paths.length);
  const outcomes = new Array<FileOutcome | undefined>(paths.length);
  let reported = 0;
  const settle = (index: number, outcome: FileOutcome): void => {
    outcomes[index] = outcome;
    for (let next = outcomes[reported]; reported < paths.length && next !== undefined; next = outcomes[reported]) {
      pool.onOutcome?.(next, reported);
      reported++;
    }
  };
  if (script === undefined || jobs < 1) {
    paths.forEach((file, index) => {
      settle(index, auditPath(file, options));
    });
    return { outcomes: outcomes as FileOutcome[], workers: 0 };
  }
  const order = paths.map((file, index) => ({ index, size: sizeOf(file) })).sort((a, b) => b.size - a.size);
  let dispatched = 0;
  const workers = Array.from({ length: jobs }, () => new Worker(script));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const sendNext = (): void => {
              const next = order[dispatched++];
              if (next === undefined) {
                resolve();
                return;
              }
              const request: WorkerRequest = { id: next.index, file: paths[next.index] as string, options };
              worker.postMessage(request);
            };
            worker.on('message', (answer: { id: number; outcome?: FileOutcome; defect?: string }) => {
              if (answer.outcome === undefined) return reject(new Error(`auditing ${paths[answer.id]}: ${answer.defect ?? 'no answer'}`));
              settle(answer.id, answer.outcome);
              sendNext();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (dispatched <= order.length && outcomes.includes(undefined)) reject(new Error(`an audit worker exited with status ${code}`));
            });
            sendNext();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return { outcomes: outcomes as FileOutcome[], workers: jobs };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
