#!/usr/bin/env node
/**
 * The `dataledger` executable: parses the command line and runs it. All logic lives in the
 * command modules (see `program.ts`); this file only wires the process to them.
 */
import { processIo } from './io.ts';
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo());
