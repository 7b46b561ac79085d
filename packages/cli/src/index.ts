/**
 * @dataledger/cli: the `dataledger` command (serve, keygen, demo, export, verify, audit,
 * cert verify, checkpoint watch; over HTTP: submit, the write verbs, cert issue, get, log show). Each command is a function over {@link CliIo}, so it can be
 * run in-process as well as through the bin. Each command's module stays importable by path;
 * this index is what a program embedding the CLI calls.
 * @packageDocumentation
 */
// The program: run an argument vector, or build the command tree to extend it.
export { runCli, createProgram } from './program.ts';
// I/O and exit codes: where a command writes, and what it returns.
export { EXIT, processIo } from './io.ts';
export type { CliIo, TextSink, ExitStatus } from './io.ts';
// Errors: the package's error class and its stable codes.
export { CLI_ERROR_CODES, CliError } from './errors.ts';
export type { CliErrorCode } from './errors.ts';
// Helpers the examples use: read a key file, write a demo ledger, format statistics.
export { readKeyFile } from './keyfile.ts';
export type { KeyFileIdentity } from './keyfile.ts';
export { writeDemoLedger } from './demo.ts';
export type { DemoActor, DemoOptions, DemoSummary } from './demo.ts';
export { formatStatistics } from './commands/audit.ts';
