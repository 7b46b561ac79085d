import { verifyCertificate, type CertificateVerification, type JsonObject } from '@dataledger/certificates';
import { isDidKey } from '@dataledger/core';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { readJson } from '../source.ts';
import { checkVerifierKeys } from './verify.ts';

/** Options of `dataledger cert verify`. */
export interface CertVerifyOptions {
  /** Trusted C2SP verifier keys of the log (at least one). */
  logKey: string[];
  /** Issuers trusted outright (did:key); otherwise the certificate's role evidence must prove the registry role. */
  issuer?: string[] | undefined;
  /** File holding the status list credential(s) (one VC or an array). */
  statusList?: string | undefined;
  /** Evaluation time (RFC 3339). */
  at?: string | undefined;
  /** Print `{ verified, checks }`. */
  json?: boolean | undefined;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Verifies a certificate file offline. The file holds the certificate (a VC), or the envelope
 * `{ certificate, statusList }` that the service's verification route also accepts.
 * @param file - certificate path or "-"
 * @param options - see {@link CertVerifyOptions}
 * @param io - streams
 * @returns `{ verified, checks }` of `verifyCertificate`
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`, `CLI_JSON_INVALID` or `CLI_USAGE`
 */
export async function verifyCertificateFile(file: string, options: CertVerifyOptions, io: CliIo): Promise<CertificateVerification> {
  const trustedLogKeys = checkVerifierKeys(options.logKey);
  if (trustedLogKeys.length === 0) throw cliError('CLI_USAGE', '--log-key is required');
  for (const did of options.issuer ?? []) {
    if (!isDidKey(did)) throw cliError('CLI_USAGE', `--issuer ${JSON.stringify(did)} is not a did:key`);
  }
  let at: Date | undefined;
  if (options.at !== undefined) {
    at = new Date(options.at);
    if (Number.isNaN(at.getTime())) throw cliError('CLI_USAGE', `--at ${JSON.stringify(options.at)} is not an RFC 3339 time`);
  }
  const input = await readJson(file, io);
  let certificate: unknown = input;
  const lists: JsonObject[] = [];
  if (isObject(input) && 'certificate' in input) {
    certificate = input['certificate'];
    const env = input['statusList'];
    if (Array.isArray(env)) lists.push(...env.filter(isObject));
    else if (isObject(env)) lists.push(env);
  }
  if (options.statusList !== undefined) {
    const given = await readJson(options.statusList, io);
    if (Array.isArray(given)) lists.push(...given.filter(isObject));
    else if (isObject(given)) lists.push(given);
    else throw cliError('CLI_JSON_INVALID', '--status-list must hold a status list credential or an array of them');
  }
  return verifyCertificate(certificate, {
    trustedLogKeys,
    ...(options.issuer === undefined ? {} : { trustedIssuers: options.issuer }),
    ...(lists.length === 0 ? {} : { statusList: lists }),
    ...(at === undefined ? {} : { at }),
  });
}

/**
 * `dataledger cert verify FILE --log-key VKEY [--json]`: an exchange's offline check of a
 * data-asset certificate (proof, validity, checkpoint, record, inclusion, issuer, status).
 * @param file - certificate path or "-"
 * @param options - see {@link CertVerifyOptions}
 * @param io - streams
 * @returns 0 when verified, 1 when any check fails
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`, `CLI_JSON_INVALID`, `CLI_USAGE` (exit 2)
 */
export async function certVerifyCommand(file: string, options: CertVerifyOptions, io: CliIo): Promise<ExitStatus> {
  const result = await verifyCertificateFile(file, options, io);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify({ verified: result.verified, checks: result.checks })}\n`);
  } else {
    io.stdout.write(`${result.verified ? 'verified' : 'NOT VERIFIED'}\n`);
    for (const c of result.checks) {
      io.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.code ?? ''} ${c.message ?? ''}`}\n`);
    }
    if (result.checks.some((c) => c.code === 'CERT_STATUS_UNAVAILABLE') && options.statusList === undefined) {
      io.stderr.write('hint: pass the issuer\'s status list credential with --status-list FILE to check revocation offline\n');
    }
  }
  return result.verified ? EXIT.OK : EXIT.INVALID;
}
