/**
 * Seeded mutation of ELF files, both engines on every mutant:
 *   node build/ts/test/fuzz/mutate.js --seed S --reached N --out DIR [--watchdog MS] FILE...
 *   node build/ts/test/fuzz/mutate.js --plain --out DIR FILE...       (the files as they are)
 * Mutants are made and run in a child process (mutant-worker.ts) that reports each one before it
 * starts; this process counts outcomes, stops once N mutants have reached the engines (reading and
 * validation before relocation accepted them), and restarts the child after any mutant that kills
 * it or outlives the watchdog. Every mutant the engines disagree on, that crashes or hangs, or that
 * makes an engine throw anything but an ElfError is written to DIR as a reproducer named by its
 * seed and index. Prints one JSON summary.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shapeOf } from '../support/mutate.js';
import { mutantOf, type WorkerReport, type WorkerRequest } from './mutants.js';

export interface Finding {
  readonly index: number;
  readonly file: string;
  readonly what: string;
  readonly reproducer: string;
}

export interface MutationSummary {
  readonly seed: number;
  readonly generated: number;
  readonly reached: number;
  readonly outcomes: Record<string, number>;
  readonly findings: readonly Finding[];
}

const { values, positionals: files } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    reached: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'build/fuzz/mutants' },
    // A mutant may legitimately take seconds: p_memsz near the 1 GiB image limit makes both engines
    // build, and the outcome hash read, a 1 GiB image. A hang takes forever.
    watchdog: { type: 'string', default: '60000' },
    plain: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const seed = Number(values.seed);
const wanted = values.plain ? files.length : Number(values.reached);
const watchdogMs = Number(values.watchdog);
// A cap, so that inputs whose mutants never reach the engines end the run instead of spinning.
const generationLimit = values.plain ? files.length : wanted * 20;
const inputs = files.map((file) => ({
  bytes: new Uint8Array(readFileSync(file)),
  shape: values.plain ? (undefined as never) : shapeOf(readFileSync(file)),
}));

const outcomes: Record<string, number> = {};
const findings: Finding[] = [];
let reached = 0;
let generated = 0;

function keep(index: number, what: string): void {
  const file = files[index % files.length] as string;
  const bytes = values.plain ? (inputs[index] as (typeof inputs)[number]).bytes : mutantOf(inputs, seed, index).bytes;
  mkdirSync(values.out, { recursive: true });
  const reproducer = join(values.out, values.plain ? `plain-${index}` : `seed-${seed}-mutant-${index}`);
  writeFileSync(reproducer, bytes);
  findings.push({ index, file: values.plain ? (files[index] as string) : file, what, reproducer });
}

function record(report: WorkerReport): void {
  generated = Math.max(generated, report.index + 1);
  const { ts = '', native = '' } = report;
  const key = ts.startsWith('ok') ? 'ok' : ts;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
  if (report.reached === true) reached++;
  if (ts !== native) keep(report.index, `the engines disagree: ts ${ts}, native ${native}`);
  else if (ts.startsWith('defect')) keep(report.index, `not an ElfError: ${ts}`);
}

/** Runs the child from `first` until it has reported enough, dies, or hangs; resolves with where to go on. */
function runFrom(first: number): Promise<number | undefined> {
  const request: WorkerRequest = { seed, first, plain: values.plain, files };
  const child = fork(new URL('./mutant-worker.js', import.meta.url), [JSON.stringify(request)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => {
    let current = first;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (next: number | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(next);
    };
    child.on('message', (report: WorkerReport) => {
      // A killed child's last messages may still arrive: they belong to nobody now.
      if (settled) return;
      if (report.stage === 'start') {
        current = report.index;
        clearTimeout(timer);
        timer = setTimeout(() => {
          keep(current, `no outcome within the ${watchdogMs} ms watchdog`);
          finish(current + 1);
        }, watchdogMs);
        return;
      }
      clearTimeout(timer);
      record(report);
      if (reached >= wanted || report.index + 1 >= generationLimit) finish(undefined);
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      if (values.plain && code === 0 && signal === null) return finish(undefined);
      keep(current, `the process died (${signal ?? `exit status ${code}`})`);
      finish(current + 1);
    });
  });
}

let next: number | undefined = 0;
while (next !== undefined && next < generationLimit) next = await runFrom(next);
const summary: MutationSummary = { seed, generated, reached, outcomes, findings };
console.log(JSON.stringify(summary));
