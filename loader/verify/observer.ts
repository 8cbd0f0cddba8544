import type { StopPoint } from './gdbstub/stop-points.js';
import type { RunEnd } from './report.js';

/**
 * Something that watches a verify run from inside the same qemu (`verify --trace`: the trace
 * plugin): the options qemu starts with, and a look when the program is where verify reads its
 * memory (qemu still holding it there) or has ended.
 */
export interface RunObserver {
  /**
   * Options for qemu, placed before the program (or piekit's loader). `base` is where the loader
   * puts the program (undefined: qemu's own choice); `stop` is verify's stop, undefined for a
   * sample that dumps its own memory after relocating.
   */
  qemuOptions(run: { readonly base: bigint | undefined; readonly stop: StopPoint | undefined }): readonly string[];
  /** The run is at its stop or has ended, as verify reports it; what qemu and the program wrote to stderr so far. */
  observe(end: RunEnd, stderr: string): Promise<void>;
}
