/**
 * @dataledger/cli: the `dataledger` command (serve, keygen, demo, export, verify, audit,
 * cert verify, checkpoint watch). Each command is a function over {@link CliIo}, so it can be
 * run in-process as well as through the bin.
 * @packageDocumentation
 */
export { runCli, createProgram } from './program.ts';
export { EXIT, processIo } from './io.ts';
export type { CliIo, TextSink, ExitStatus } from './io.ts';
export { CLI_ERROR_CODES, cliError } from './errors.ts';
export type { CliErrorCode } from './errors.ts';
export { formatKeyFile, parseKeyFile, readKeyFile, writeSecretFile } from './keyfile.ts';
export type { KeyFileIdentity, KeyFileJson } from './keyfile.ts';
export { keygenCommand } from './commands/keygen.ts';
export type { KeygenOptions } from './commands/keygen.ts';
