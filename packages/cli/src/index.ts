/**
 * @dataledger/cli: the `dataledger` command (serve, keygen, demo, export, verify, audit,
 * cert verify, checkpoint watch; over HTTP: submit, the write verbs, cert issue, get, log show). Each command is a function over {@link CliIo}, so it can be
 * run in-process as well as through the bin.
 * @packageDocumentation
 */
export { runCli, createProgram } from './program.ts';
export { EXIT, processIo } from './io.ts';
export type { CliIo, TextSink, ExitStatus } from './io.ts';
export { CLI_ERROR_CODES, CliError, cliError } from './errors.ts';
export type { CliErrorCode } from './errors.ts';
export { formatKeyFile, parseKeyFile, readKeyFile, writeSecretFile } from './keyfile.ts';
export type { KeyFileIdentity, KeyFileJson } from './keyfile.ts';
export { openSource, readText, readJson } from './source.ts';
export type { OpenedSource } from './source.ts';
export { openDataDir } from './datadir.ts';
export type { OpenDataDirOptions } from './datadir.ts';
export { writeDemoLedger } from './demo.ts';
export type { DemoActor, DemoOptions, DemoSummary } from './demo.ts';
export { keygenCommand } from './commands/keygen.ts';
export type { KeygenOptions } from './commands/keygen.ts';
export { serveCommand } from './commands/serve.ts';
export type { ServeOptions } from './commands/serve.ts';
export { demoCommand } from './commands/demo.ts';
export type { DemoCommandOptions } from './commands/demo.ts';
export { exportCommand, openBundleLines } from './commands/export.ts';
export type { ExportOptions } from './commands/export.ts';
export { verifyCommand, verifyBundleFile, checkVerifierKeys, requireTrustAnchor } from './commands/verify.ts';
export type { VerifyOptions, VerifySummary } from './commands/verify.ts';
export { auditCommand, auditBundleFile, formatStatistics, formatAudit, summariseRules } from './commands/audit.ts';
export type { AuditOptions, AuditSummary, RuleSummary, ViolationExample } from './commands/audit.ts';
export { certVerifyCommand, verifyCertificateFile } from './commands/cert-verify.ts';
export type { CertVerifyOptions } from './commands/cert-verify.ts';
export { checkpointWatchCommand } from './commands/checkpoint-watch.ts';
export type { CheckpointWatchOptions, WatchObservation } from './commands/checkpoint-watch.ts';
export { submitCommand, writeVerbCommand } from './commands/write.ts';
export type { WriteOptions } from './commands/write.ts';
export { WRITE_VERBS } from './commands/verbs.ts';
export type { WriteVerb, VerbOption } from './commands/verbs.ts';
export { certIssueCommand } from './commands/cert-issue.ts';
export type { CertIssueOptions } from './commands/cert-issue.ts';
export { getCommand } from './commands/get.ts';
export { logShowCommand, LogReader, formatLogTable } from './commands/log-show.ts';
export type { LogShowOptions, LogRow } from './commands/log-show.ts';
export type { RemoteOptions } from './commands/remote.ts';
