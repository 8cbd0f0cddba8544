/** `piekit audit`: runtime models as data, their interpreter, hazards of the file, and what relocation costs. */
export { type AuditOptions, auditBytes, auditElf, auditFile } from './audit.js';
export { type CarriedRuntime, carriedRuntime, type RuntimeFamily } from './carried-runtime.js';
export type { CostReport, PackedCost, PageCost, TableCost } from './cost.js';
export { type FileContext, fileContext } from './file-context.js';
export type { Hazard, Severity } from './hazard.js';
export { modelImage, snapshotOf } from './model-memory.js';
export { auditOutcome } from './outcome.js';
export { auditPath, type FileOutcome, type SkipReason, type WalkOptions } from './path-audit.js';
export { auditPaths, type PoolOptions, type PoolRun, workerScript } from './pool.js';
export { type ModelRun, runModel } from './relocator.js';
export { renderAudit } from './render-text.js';
export type { AuditReport, DifferingWord, RuntimeReport, RuntimeStatus } from './report.js';
export { RUNTIME_NAMES, type RuntimeModel, type RuntimeName } from './runtime-model.js';
export { RUNTIMES, runtime, runtimeByName } from './runtimes.js';
export { type AuditSummary, outcomeLine, renderSummary, summarize } from './summary.js';
export { type Walk, walkOperands } from './walk.js';
