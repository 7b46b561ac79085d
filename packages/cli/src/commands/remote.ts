import { type DataLedgerError, isDataLedgerError } from '@dataledger/core';
import { DataLedgerClient, type SubmittedReceipt } from '@dataledger/service';
import { CliError, cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { readKeyFile } from '../keyfile.ts';
import { resolve } from 'node:path';

/** Options every command that talks to a service takes. */
export interface RemoteOptions {
  /** Base URL of the service (else `DATALEDGER_URL`). */
  url?: string | undefined;
  /** Key file of the actor that signs (else `DATALEDGER_KEY`). */
  key?: string | undefined;
  /** Print JSON on stdout. */
  json?: boolean | undefined;
}

/** A connected client and what it is connected to. */
export interface RemoteClient {
  client: DataLedgerClient;
  url: string;
  /** The signer's did:key (null for a client without a key). */
  did: string | null;
}

function envOr(value: string | undefined, io: CliIo, name: string): string | undefined {
  if (value !== undefined && value !== '') return value;
  const v = io.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Builds a client from `--url`/`--key`, falling back to `DATALEDGER_URL`/`DATALEDGER_KEY`.
 * @param options - url and key
 * @param io - environment and working directory
 * @param needKey - refuse to run without a key (writes and signed reads)
 * @returns the client
 * @throws DataLedgerError `CLI_USAGE`, `CLI_FILE_UNREADABLE` or `CLI_KEYFILE_INVALID`
 */
export async function remoteClient(options: RemoteOptions, io: CliIo, needKey: boolean): Promise<RemoteClient> {
  const url = envOr(options.url, io, 'DATALEDGER_URL');
  if (url === undefined) throw cliError('CLI_USAGE', 'give the service with --url URL (or DATALEDGER_URL), e.g. --url http://127.0.0.1:8080');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw cliError('CLI_USAGE', `--url ${JSON.stringify(url)} is not an http(s) URL`);
  const keyFile = envOr(options.key, io, 'DATALEDGER_KEY');
  if (keyFile === undefined) {
    if (needKey) throw cliError('CLI_USAGE', 'give the signing key file with --key FILE (or DATALEDGER_KEY); make one with `dataledger keygen`');
    return { client: new DataLedgerClient({ baseUrl: url }), url, did: null };
  }
  const identity = await readKeyFile(resolve(io.cwd, keyFile));
  return { client: new DataLedgerClient({ baseUrl: url, signer: { secretKey: identity.secretKey } }), url, did: identity.did };
}

/**
 * Names why a connection failed, the way an operator searches for it: the system error code
 * and the address (`ECONNREFUSED 127.0.0.1:8080`), found in the cause chain of fetch's
 * "fetch failed" (undici puts the socket error there; dual-stack attempts in an AggregateError).
 * @param err - the error thrown by the client
 * @returns the cause, or the error's own message when no system error is found
 */
export function networkCause(err: unknown): string {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { code, address, port, hostname, errors, cause } = e as {
      code?: unknown;
      address?: unknown;
      port?: unknown;
      hostname?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !code.startsWith('ERR_')) {
      const host = typeof address === 'string' ? address : typeof hostname === 'string' ? hostname : undefined;
      if (host === undefined) return code;
      return typeof port === 'number' || typeof port === 'string' ? `${code} ${host.includes(':') ? `[${host}]` : host}:${port}` : `${code} ${host}`;
    }
    if (Array.isArray(errors)) queue.push(...errors);
    queue.push(cause);
  }
  // No system error (fetch refuses some ports itself: "bad port"): the innermost message.
  let inner: unknown = err;
  while (inner !== null && typeof inner === 'object' && (inner as { cause?: unknown }).cause instanceof Error) inner = (inner as { cause: unknown }).cause;
  return (inner as Error)?.message ?? String(err);
}

/**
 * Maps an error of the client to the CLI's codes: an unreachable service is
 * `CLI_HTTP_ERROR` naming the cause (exit 2); a service that answered with a problem is
 * `CLI_REQUEST_REFUSED` carrying the service's code (exit 1: what was asked is not valid).
 * @param err - what the client threw
 * @param url - the service's base URL
 * @returns the CLI error
 */
export function remoteError(err: unknown, url: string): DataLedgerError {
  if (!isDataLedgerError(err)) return cliError('CLI_HTTP_ERROR', `${url}: ${(err as Error)?.message ?? String(err)}`, err);
  if (err.code.startsWith('CLI_')) return err;
  if (err.code === 'HTTP_UNREACHABLE') return cliError('CLI_HTTP_ERROR', `cannot reach ${url}: ${networkCause(err)}`, err);
  if (err.code === 'HTTP_RESPONSE_INVALID') return cliError('CLI_HTTP_ERROR', `${url}: ${err.message}`, err);
  const status = err.details?.['status'];
  return new CliError('CLI_REQUEST_REFUSED', `${err.code}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${err.message}`, {
    cause: err,
    details: { serverCode: err.code, ...(typeof status === 'number' ? { status } : {}) },
  });
}

/**
 * Runs a remote action and settles its exit status: a refusal by the service exits 1 with
 * its code (as JSON `{ ok: false, code, … }` with `--json`), anything else propagates as a
 * coded error (exit 2).
 * @param io - streams
 * @param options - `json`
 * @param url - the service's base URL
 * @param action - the work; resolves to its exit status
 * @returns the exit status
 */
export async function runRemote(io: CliIo, options: { json?: boolean | undefined }, url: string, action: () => Promise<ExitStatus>): Promise<ExitStatus> {
  try {
    return await action();
  } catch (raw) {
    const err = remoteError(raw, url);
    if (err.code !== 'CLI_REQUEST_REFUSED') throw err;
    const serverCode = err.details?.['serverCode'];
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify({ ok: false, code: serverCode, status: err.details?.['status'] ?? null, message: (raw as Error).message })}\n`);
    }
    io.stderr.write(`dataledger: ${err.code}: ${err.message}\n`);
    return EXIT.INVALID;
  }
}

/**
 * Prints a receipt: one line for a person, or the receipt (with the signed record) as JSON.
 * @param io - streams
 * @param receipt - what the service answered
 * @param json - print JSON
 */
export function printReceipt(io: CliIo, receipt: SubmittedReceipt, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(receipt)}\n`);
    return;
  }
  io.stdout.write(
    `appended #${receipt.index} ${receipt.record.type} by ${receipt.record.actor}\n` +
      `  leaf hash  ${receipt.leafHash}\n` +
      `  proven in  tree of ${receipt.treeSize} (inclusion proof of ${receipt.inclusionProof.length} hashes, signed checkpoint)\n`,
  );
}
