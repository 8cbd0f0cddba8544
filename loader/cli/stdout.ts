import { writeSync } from 'node:fs';
import type { Output } from './arguments.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A file descriptor written with write(2) as a command produces its output: each chunk has left
 * when `write` returns, so a pipe to a slow reader holds one chunk rather than the document
 * (Node's stdout stream queues pipe writes on Linux: `inspect --json | less` would hold 90 MB).
 * libuv makes a pipe non-blocking once `process.stdout` exists: a full pipe's EAGAIN waits a
 * millisecond and writes again. A reader that closed the pipe ends the command through `onClosed`.
 */
export function synchronousOutput(fd: number, onClosed: () => never): Output {
  return {
    synchronous: true,
    write(text: string | Uint8Array): void {
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      for (let done = 0; done < bytes.length; ) {
        try {
          done += writeSync(fd, bytes, done, bytes.length - done);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EPIPE') onClosed();
          if (code !== 'EAGAIN') throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
    },
  };
}
