/** Tracing a static-PIE's startup under qemu-user: every load and store until its relocator is done, judged against the plan. */

export { verifyTraced } from './alongside.js';
export { type FindingKind, judgeTrace, READ_MODIFY_WRITE_WINDOW } from './judge.js';
export { tracePlugin } from './plugin.js';
export { readRecord, type TraceRecord } from './record.js';
export { renderTrace, traceJson } from './render.js';
export type { TraceEnd, TraceFinding, TraceRelocator, TraceReport, TraceSite, TraceStop } from './report.js';
export { DEFAULT_TRACE_TIMEOUT_MS, type TraceOptions, traceFile } from './trace.js';
