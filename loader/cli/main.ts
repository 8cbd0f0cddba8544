#!/usr/bin/env node
import { runCli } from './dispatch.js';

process.exitCode = await runCli(process.argv.slice(2), process.stdout, process.stderr);
