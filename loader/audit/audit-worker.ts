/**
 * The worker thread of a directory audit: audits the paths it is sent, one message each. It is
 * compiled next to pool.js, which starts it from there; under the sources (vitest) the pool audits
 * in-process instead.
 */
import { parentPort } from 'node:worker_threads';
import type { AuditOptions } from './audit.js';
import type { WalkOptions } from './path-audit.js';
import { auditPath } from './path-audit.js';

/** A path to audit, numbered so that answers find their question. */
export interface WorkerRequest {
  readonly id: number;
  readonly file: string;
  readonly options: AuditOptions & WalkOptions;
}

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    parentPort?.postMessage({ id: request.id, outcome: auditPath(request.file, request.options) });
  } catch (error) {
    // A defect of piekit: the pool reports it, with the file that triggered it.
    parentPort?.postMessage({ id: request.id, defect: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
