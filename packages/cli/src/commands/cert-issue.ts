import { resolve } from 'node:path';
import type { DataLedgerClient } from '@dataledger/service';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { refuseExisting, writeOutFile } from '../outfile.ts';
import { printReceipt, remoteClient, runRemote, type RemoteOptions } from './remote.ts';

/** Options of `dataledger cert issue`. */
export interface CertIssueOptions extends RemoteOptions {
  /** Registration number of the asset. */
  asset?: string | undefined;
  /** Start of validity (default: the service's choice, now). */
  validFrom?: string | undefined;
  /** End of validity (default: the asset's). */
  validUntil?: string | undefined;
  /** Certificate id (default: the service's choice). */
  id?: string | undefined;
  /** Write the signed certificate (VC JSON) here. */
  out?: string | undefined;
  /** Replace an existing `out`. */
  force?: boolean | undefined;
}

/** The status list credentials a certificate names (`credentialStatus[].statusListCredential`). */
export function statusListUrls(certificate: Record<string, unknown>): string[] {
  const cs = certificate['credentialStatus'];
  const out: string[] = [];
  for (const e of Array.isArray(cs) ? cs : [cs]) {
    const u = typeof e === 'object' && e !== null ? (e as { statusListCredential?: unknown }).statusListCredential : undefined;
    if (typeof u === 'string' && !out.includes(u)) out.push(u);
  }
  return out;
}

function rfc3339(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw cliError('CLI_USAGE', `${flag} ${JSON.stringify(value)} is not a date or RFC 3339 time`);
  return t.toISOString();
}

/** The end of an asset's validity, read with a signed read (the registry holds a role). */
async function assetValidUntil(client: DataLedgerClient, registrationNumber: string): Promise<string> {
  const asset = await client.getAsset(registrationNumber);
  const until = (asset['validity'] as { until?: unknown } | undefined)?.until;
  if (typeof until !== 'string') throw cliError('CLI_USAGE', `asset ${registrationNumber} names no end of validity: give --valid-until`);
  return until;
}

/**
 * `dataledger cert issue --asset REGNO [--out FILE]`: the registry issues a data-asset
 * certificate in one call: the `certificate.issued` record is appended, its inclusion proven,
 * the W3C VC signed and uploaded so `GET /v1/certificates/{id}` serves it.
 * @param options - see {@link CertIssueOptions}
 * @param io - streams and working directory
 * @returns 0 issued, 1 refused by the service
 * @throws DataLedgerError `CLI_USAGE`, `CLI_FILE_EXISTS`, `CLI_HTTP_ERROR`, … (exit 2)
 */
export async function certIssueCommand(options: CertIssueOptions, io: CliIo): Promise<ExitStatus> {
  if (options.asset === undefined || options.asset === '') throw cliError('CLI_USAGE', 'give the asset with --asset REGISTRATION-NUMBER');
  const validFrom = rfc3339(options.validFrom, '--valid-from') ?? new Date().toISOString();
  const givenUntil = rfc3339(options.validUntil, '--valid-until');
  const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
  // Refuse before the record is appended: a refusal afterwards would leave an issued
  // certificate the operator has no copy of.
  if (out !== undefined) await refuseExisting(out, options.force === true);
  const remote = await remoteClient(options, io, true);
  const assetId = options.asset;
  return runRemote(io, options, remote.url, async () => {
    // Default end of validity: the asset's own (a certificate never outlives what it certifies).
    const validUntil = givenUntil ?? (await assetValidUntil(remote.client, assetId));
    const { certificate, receipt } = await remote.client.issueCertificate({
      registrationNumber: assetId,
      validFrom,
      validUntil,
      ...(options.id === undefined ? {} : { certificateId: options.id }),
    });
    if (out !== undefined) await writeOutFile(out, `${JSON.stringify(certificate, null, 2)}\n`, options.force === true);
    if (options.json === true) io.stdout.write(`${JSON.stringify({ certificate, receipt, ...(out === undefined ? {} : { file: out }) })}\n`);
    else {
      io.stdout.write(`issued ${String(certificate['id'] ?? '')}${out === undefined ? '' : ` -> ${out}`}\n`);
      for (const url of statusListUrls(certificate)) io.stdout.write(`  status list ${url}\n`);
      printReceipt(io, receipt, false);
      if (out === undefined) io.stderr.write('hint: pass --out FILE to keep the certificate for offline verification\n');
    }
    return EXIT.OK;
  });
}
