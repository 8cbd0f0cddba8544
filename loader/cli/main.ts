#!/usr/bin/env node
import { runCli } from './dispatch.js';
import { synchronousOutput } from './stdout.js';

/**
 * The status a shell gives a program killed by SIGPIPE (128 + 13). Node ignores SIGPIPE, so a
 * reader that closes the pipe early (`piekit inspect FILE | head -1`) shows up as EPIPE; whatever
 * writes to it (a report, a streaming writer), the process then ends quietly, as readelf does when
 * the pipe kills it.
 */
const CLOSED_PIPE_STATUS = 141;
const closed = (): never => process.exit(CLOSED_PIPE_STATUS);

process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') closed();
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), synchronousOutput(1, closed), process.stderr);
