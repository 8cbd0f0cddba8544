import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PiekitError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/** The trace plugin scripts/setup builds for the host: one shared object serves every guest. */
export function tracePlugin(): string {
  const path = join(packageRoot(), 'build', 'trace', 'piekit-trace.so');
  if (!existsSync(path)) throw new PiekitError('ENVIRONMENT', `the trace plugin ${path} is not built: run scripts/setup (gcc builds native/trace/)`);
  return path;
}
