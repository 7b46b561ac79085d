import { verifyCertificate, type CertificateVerification, type JsonObject } from '@dataledger/certificates';
import { isDidKey, parseJson } from '@dataledger/core';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { readDisclosuresFile } from '../disclosures.ts';
import { readJson } from '../source.ts';
import { checkVerifierKeys } from './verify.ts';

/** Largest status list credential fetched (a 2^27-entry list compresses far below this). */
const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024;

function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/**
 * GETs one status list credential.
 * @throws DataLedgerError `CLI_HTTP_ERROR` (unreachable, not 200, too large), `CLI_JSON_INVALID`
 */
async function fetchStatusList(url: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    const c = (cause as { cause?: { code?: string; address?: string; port?: number } }).cause;
    const why = c?.code === undefined ? (cause as Error).message : `${c.code}${c.address === undefined ? '' : ` ${c.address}:${c.port ?? ''}`}`;
    throw cliError('CLI_HTTP_ERROR', `--status-list ${url}: ${why}`, cause);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw cliError('CLI_HTTP_ERROR', `--status-list ${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_STATUS_LIST_BYTES) {
    await res.body?.cancel();
    throw cliError('CLI_HTTP_ERROR', `--status-list ${url}: larger than ${MAX_STATUS_LIST_BYTES} bytes`);
  }
  const text = await res.text();
  if (text.length > MAX_STATUS_LIST_BYTES) throw cliError('CLI_HTTP_ERROR', `--status-list ${url}: larger than ${MAX_STATUS_LIST_BYTES} bytes`);
  try {
    // A status list fetched from the network is untrusted input: the safe reader
    // (nodejs/node#63785; RFC 7493 duplicate names refused).
    return parseJson(text, { maxBytes: MAX_STATUS_LIST_BYTES });
  } catch (cause) {
    throw cliError('CLI_JSON_INVALID', `--status-list ${url}: not I-JSON`, cause);
  }
}

function pushLists(into: JsonObject[], given: unknown, name: string): void {
  if (Array.isArray(given)) into.push(...given.filter(isObject));
  else if (isObject(given)) into.push(given);
  else throw cliError('CLI_JSON_INVALID', `${name} must hold a status list credential or an array of them`);
}

/** The status list URLs a certificate's entries name. */
function listUrlsOf(certificate: unknown): string[] {
  const cs = isObject(certificate) ? certificate['credentialStatus'] : undefined;
  const entries = Array.isArray(cs) ? cs : [cs];
  const out: string[] = [];
  for (const e of entries) {
    const u = isObject(e) ? e['statusListCredential'] : undefined;
    if (typeof u === 'string' && isHttpUrl(u) && !out.includes(u)) out.push(u);
  }
  return out;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Options of `dataledger cert verify`. */
export interface CertVerifyOptions {
  /** Trusted C2SP verifier keys of the log (at least one). */
  logKey: string[];
  /** Issuers trusted outright (did:key); otherwise the certificate's role evidence must prove the registry role. */
  issuer?: string[] | undefined;
  /**
   * Status list credential(s): files (one VC or an array each), or URLs of the service that
   * serves them. A URL is fetched, and so is every list the certificate names on the same
   * origin, so one URL of the service (a list's, or the base URL) brings both lists.
   */
  statusList?: string | readonly string[] | undefined;
  /** Evaluation time (RFC 3339). */
  at?: string | undefined;
  /**
   * A disclosures file (one SD-JWT disclosure per line, `#` comments; the holder's choice of the
   * certificate's concealed members to show). Each must match a digest of the certificate.
   */
  disclosures?: string | undefined;
  /**
   * Print `{ verified, status, checks }`, and with `disclosures` also `revealed`, `disclosed`,
   * `concealed`.
   */
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
 * @returns the result of `verifyCertificate`
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`, `CLI_JSON_INVALID`, `CLI_USAGE` or `DISCLOSURE_MALFORMED` (a line of the disclosures file)
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
  if (options.disclosures === '-' && file === '-') throw cliError('CLI_USAGE', 'the certificate and --disclosures cannot both be read from stdin');
  // A line that is not a disclosure at all is unreadable input (exit 2, DISCLOSURE_MALFORMED
  // with its line); a well-formed one that matches no digest of the certificate is the
  // verification's business (the `disclosures` check, exit 1).
  const disclosures = options.disclosures === undefined ? undefined : await readDisclosuresFile(options.disclosures, io);
  const input = await readJson(file, io);
  let certificate: unknown = input;
  const lists: JsonObject[] = [];
  if (isObject(input) && 'certificate' in input) {
    certificate = input['certificate'];
    const env = input['statusList'];
    if (Array.isArray(env)) lists.push(...env.filter(isObject));
    else if (isObject(env)) lists.push(env);
  }
  const sources = options.statusList === undefined ? [] : typeof options.statusList === 'string' ? [options.statusList] : [...options.statusList];
  const urls = new Set<string>();
  const required = new Set<string>();
  for (const src of sources) {
    if (!isHttpUrl(src)) {
      pushLists(lists, await readJson(src, io), src);
      continue;
    }
    const origin = originOf(src);
    if (origin === null) throw cliError('CLI_USAGE', `--status-list ${JSON.stringify(src)} is not a URL`);
    // A bare base URL names the service; any other URL is a list (or an array of lists).
    if (new URL(src).pathname !== '/') {
      urls.add(src);
      required.add(src);
    }
    for (const u of listUrlsOf(certificate)) if (originOf(u) === origin) urls.add(u);
  }
  for (const u of urls) {
    try {
      pushLists(lists, await fetchStatusList(u), u);
    } catch (err) {
      // A list the certificate names but the service does not serve is reported by the
      // status check (CERT_STATUS_UNAVAILABLE); a URL given explicitly must answer.
      const answered = (err as { code?: string }).code === 'CLI_HTTP_ERROR' && /HTTP \d+$/.test((err as Error).message);
      if (required.has(u) || !answered) throw err;
    }
  }
  return verifyCertificate(certificate, {
    trustedLogKeys,
    ...(options.issuer === undefined ? {} : { trustedIssuers: options.issuer }),
    ...(lists.length === 0 ? {} : { statusList: lists }),
    ...(at === undefined ? {} : { at }),
    ...(disclosures === undefined ? {} : { disclosures }),
  });
}

/**
 * `dataledger cert verify FILE --log-key VKEY [--status-list URL|FILE] [--disclosures FILE] [--json]`: an
 * exchange's check of a data-asset certificate (proof, validity, checkpoint, record, inclusion,
 * issuer, disclosures, status).
 * @param file - certificate path or "-"
 * @param options - see {@link CertVerifyOptions}
 * @param io - streams
 * @returns 0 when verified, 1 when any check fails
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`, `CLI_JSON_INVALID`, `CLI_USAGE`, `DISCLOSURE_MALFORMED` (exit 2)
 */
export async function certVerifyCommand(file: string, options: CertVerifyOptions, io: CliIo): Promise<ExitStatus> {
  const result = await verifyCertificateFile(file, options, io);
  if (options.json === true) {
    const { verified, status, checks, revealed, disclosed, concealed } = result;
    // The subject as revealed only when disclosures were given: otherwise the output stays the
    // verdict the service's verification route gives (it takes no disclosures).
    const selective = options.disclosures !== undefined;
    io.stdout.write(`${JSON.stringify(selective ? { verified, status, checks, revealed, disclosed, concealed } : { verified, status, checks })}\n`);
  } else {
    io.stdout.write(`${result.verified ? 'verified' : 'NOT VERIFIED'} (status: ${result.status})\n`);
    for (const c of result.checks) {
      io.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.code ?? ''} ${c.message ?? ''}`}\n`);
    }
    // What the holder chose to show; values are the holder's word until `verified` says otherwise.
    for (const d of result.disclosed) io.stdout.write(`  disclosed ${d.path}: ${JSON.stringify(d.value)}\n`);
    if (result.concealed > 0) io.stdout.write(`  ${result.concealed} member(s) concealed (no disclosure given)\n`);
    if (result.checks.some((c) => c.code === 'CERT_STATUS_UNAVAILABLE') && options.statusList === undefined) {
      io.stderr.write('hint: pass the status lists with --status-list URL (the service that serves them) or --status-list FILE to check revocation\n');
    }
  }
  return result.verified ? EXIT.OK : EXIT.INVALID;
}
