/**
 * The child process of the mutation driver (mutate.ts): builds mutants one after the other, runs
 * both engines on each in this process, and reports every outcome to its parent over IPC before
 * starting the next, so that a mutant that kills or hangs this process is known by its index.
 */
import { readFileSync } from 'node:fs';
import { readElf, readRelocationInfo } from '../../elf/index.js';
import { layoutOf } from '../../loader/model/index.js';
import { shapeOf } from '../support/mutate.js';
import { mutantOf, type WorkerReport, type WorkerRequest } from './mutants.js';
import { outcome } from './outcome.js';

function reachesEngines(bytes: Uint8Array): boolean {
  try {
    const elf = readElf(bytes);
    readRelocationInfo(elf);
    layoutOf(elf);
    return true;
  } catch {
    return false;
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as WorkerRequest;
const inputs = request.files.map((file) => {
  const bytes = new Uint8Array(readFileSync(file));
  return { bytes, shape: request.plain ? undefined : shapeOf(bytes) };
});
const mutable = inputs.map((input) => ({ bytes: input.bytes, shape: input.shape as ReturnType<typeof shapeOf> }));
// Each report is written before the next step: one that dies with the process names its mutant.
const send = (report: WorkerReport): Promise<void> => new Promise((resolve) => process.send?.(report, undefined, {}, () => resolve()));
const last = request.plain ? inputs.length : Number.POSITIVE_INFINITY;
// The driver's own test makes one mutant kill this process and another hang it.
const crashAt = Number(process.env.PIEKIT_FUZZ_CRASH_AT ?? -1);
const hangAt = Number(process.env.PIEKIT_FUZZ_HANG_AT ?? -1);
for (let index = request.first; index < last; index++) {
  await send({ index, stage: 'start' });
  if (index === crashAt) process.kill(process.pid, 'SIGSEGV');
  if (index === hangAt) for (;;);
  const bytes = request.plain ? (inputs[index] as (typeof inputs)[number]).bytes : mutantOf(mutable, request.seed, index).bytes;
  await send({ index, stage: 'done', reached: reachesEngines(bytes), ts: outcome(bytes, 'ts'), native: outcome(bytes, 'native') });
}
process.disconnect();
