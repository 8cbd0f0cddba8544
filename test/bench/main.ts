import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ElfFile, readElf } from '../../elf/index.js';
import { apply, imageFor, plan, readElfFile, relocate } from '../../loader/index.js';
import { CLI } from '../support/cli.js';
import { benchAudit } from './audit.js';
import { reportCommands } from './commands.js';
import { reportConversions } from './convert.js';
import { relrFixture } from './relr-fixture.js';
import { reportCoreSizes, reportInstructions } from './stub.js';
import { commandMs, medianMs } from './timing.js';
import { reportTraceInstructions, reportTraceTime } from './trace.js';
import { reportVerify } from './verify.js';
import { reportShippedVerify } from './verify-shipped.js';

// Compiled to build/ts/test/bench/: the package root is four levels up, and the command line the
// one users run, package.json's bin.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = `${root}${CLI}`;
const RUNS = 7;
const STEADY_RUNS = 30;
const STEADY_WARM_UPS = 20;
const LIBLLVM = '/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1';

interface Row {
  readonly file: string;
  readonly relocations: number;
  readonly planApplyMs: number;
  readonly steadyMs: number;
  readonly fromDiskMs: number;
  readonly nativeMs: number;
  readonly readelfMs: number;
}

function measure(file: string): Row {
  let relocations = 0;
  const planApply = (elf: ElfFile): void => {
    const planned = plan(elf);
    apply(planned, imageFor(planned), 0x7f0000000000n);
    relocations = planned.writes.count;
  };
  // The whole file in memory, then planned and applied: the work of plan + apply alone.
  const inMemory = readElf(readFileSync(file));
  const planApplyMs = medianMs(RUNS, () => planApply(inMemory));
  // The same work once the process has freed earlier runs' buffers for reuse: in the first runs
  // every image and write list lands on fresh pages, whose faults cost this VM 2-2.5 us each, about
  // 6 ms of libLLVM's run. A caller relocating many files works at this rate.
  const steadyMs = medianMs(STEADY_RUNS, () => planApply(inMemory), STEADY_WARM_UPS);
  // What a caller waits for from a path: reading the bytes relocation needs, then the same work.
  const fromDiskMs = medianMs(RUNS, () => planApply(readElfFile(file)));
  // The same work through the native engine, on the same file in memory: reading and validation
  // are shared, relocation is C.
  const nativeMs = medianMs(RUNS, () => {
    relocate(inMemory, 0x7f0000000000n, 'native');
  });
  return {
    file,
    relocations,
    planApplyMs,
    steadyMs,
    fromDiskMs,
    nativeMs,
    readelfMs: commandMs(RUNS, 'readelf', ['-r', '-W', file]),
  };
}

function report(rows: readonly Row[]): void {
  console.log('piekit plan + apply, in-process, against readelf -r -W on the same file (median of %d runs)', RUNS);
  console.log('targets: >= 50 M relocations/s in TypeScript; the native engine within 4x of C (23 ms to apply libLLVM cold, 0.23 ms warm)\n');
  for (const row of rows) {
    const rate = row.relocations / (row.planApplyMs / 1000) / 1e6;
    console.log(`${row.file}`);
    console.log(`  relative relocations        ${row.relocations}`);
    const steadyRate = row.relocations / (row.steadyMs / 1000) / 1e6;
    console.log(`  plan + apply (in-process)   ${row.planApplyMs.toFixed(1)} ms  = ${rate.toFixed(1)} M relocations/s`);
    console.log(
      `  the same, steady state      ${row.steadyMs.toFixed(1)} ms  = ${steadyRate.toFixed(1)} M relocations/s (median of ${STEADY_RUNS} after ${STEADY_WARM_UPS} runs)`,
    );
    console.log(
      `  read + plan + apply         ${row.fromDiskMs.toFixed(1)} ms  -> ${(row.readelfMs / row.fromDiskMs).toFixed(1)}x faster than readelf`,
    );
    console.log(
      `  native engine (in-process)  ${row.nativeMs.toFixed(1)} ms  -> TypeScript takes ${(row.planApplyMs / row.nativeMs).toFixed(2)}x the native time`,
    );
    console.log(
      `  readelf -r -W               ${row.readelfMs.toFixed(1)} ms  -> in-process is ${(row.readelfMs / row.planApplyMs).toFixed(1)}x faster`,
    );
    console.log('');
  }
}

const relr = relrFixture(`${root}.cache/bench`, 1_000_000);
const files = [existsSync(LIBLLVM) ? LIBLLVM : undefined, relr].filter((file): file is string => file !== undefined);
if (!existsSync(LIBLLVM)) console.log(`${LIBLLVM} is missing (Debian package libllvm19; bash scripts/setup installs it)\n`);
report(files.map(measure));
await reportCommands(
  cli,
  files.map((path) => ({ path, targets: path === LIBLLVM })),
  `${root}.cache/bench`,
);
reportInstructions();
reportCoreSizes();
reportConversions(root, cli);
await reportVerify();
await reportTraceTime();
await reportTraceInstructions();
reportShippedVerify(root, cli);
await benchAudit();
