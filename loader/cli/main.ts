#!/usr/bin/env node
import { runCli } from './dispatch.js';

/**
 * The status a shell gives a program killed by SIGPIPE (128 + 13). Node ignores SIGPIPE, so a
 * reader that closes the pipe early (`piekit inspect FILE | head -1`) shows up as EPIPE on the
 * stream; whatever writes to it (a report, a streaming writer), the process then ends quietly, as
 * readelf does when the pipe kills it.
 */
const CLOSED_PIPE_STATUS = 141;

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(CLOSED_PIPE_STATUS);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), process.stdout, process.stderr);
