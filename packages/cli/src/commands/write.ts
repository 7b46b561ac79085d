import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatDisclosuresText } from '@dataledger/certificates';
import { RECORD_TYPES } from '@dataledger/certificates';
import type { RecordPayload } from '@dataledger/provenance';
import { ROUTE_OF_RECORD_TYPE, type SubmittedReceipt } from '@dataledger/service';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { readJson } from '../source.ts';
import { printReceipt, remoteClient, runRemote, type RemoteOptions } from './remote.ts';
import type { Payload, WriteVerb } from './verbs.ts';

/** Options of `dataledger submit` and of every write verb. */
export interface WriteOptions extends RemoteOptions {
  /** A JSON file ("-" = stdin) with the full payload; a verb's main options replace its members, the others fill in what it lacks. */
  payload?: string | undefined;
  /**
   * A file the disclosures of the record's confidential members are appended to (created
   * readable by its owner only). Without it they are printed with `--json`, and kept by the
   * service either way.
   */
  disclosuresOut?: string | undefined;
  /** The verb's own options (see `WRITE_VERBS`). */
  [option: string]: unknown;
}

/** Record types a client writes with `submit` (genesis is written at creation; aggregation records go with their ciphertexts). */
export const SUBMITTABLE_TYPES: readonly string[] = RECORD_TYPES.filter(
  (t) => t !== 'ledger.genesis' && !t.startsWith('aggregation.') && ROUTE_OF_RECORD_TYPE[t] !== undefined,
);

function dropUndefined(p: Payload): Payload {
  const out: Payload = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out;
}

async function payloadFile(options: WriteOptions, io: CliIo): Promise<Payload> {
  if (options.payload === undefined) return {};
  const p = await readJson(options.payload, io);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw cliError('CLI_JSON_INVALID', `--payload ${options.payload}: expected a JSON object`);
  return p as Payload;
}

/**
 * Signs a record of `type` at the service's head, posts it (re-signing while another writer
 * moves the head: `LEDGER_INDEX_MISMATCH`), and prints the receipt.
 * @param io - streams
 * @param options - url, key, json
 * @param type - the record type
 * @param build - builds the payload once the signer is known
 * @returns 0 appended, 1 refused by the service
 */
async function signAndSubmit(io: CliIo, options: WriteOptions, type: string, build: (did: string) => Promise<Payload>): Promise<ExitStatus> {
  const remote = await remoteClient(options, io, true);
  const payload = await build(remote.did as string);
  return runRemote(io, options, remote.url, async () => {
    const receipt: SubmittedReceipt = await remote.client.submit(type, payload as RecordPayload);
    const out = options.disclosuresOut === undefined ? undefined : resolve(io.cwd, options.disclosuresOut);
    if (out !== undefined && receipt.disclosures.length > 0) await saveDisclosures(out, receipt.disclosures);
    printReceipt(io, receipt, options.json === true);
    if (options.json !== true) printDisclosuresLine(io, receipt, out);
    return EXIT.OK;
  });
}

/**
 * Appends disclosures to a disclosures file (one per line, the format `verify --disclosures`
 * reads), creating it readable by its owner only: the values are what the log conceals.
 * @throws DataLedgerError `CLI_FILE_UNWRITABLE`
 */
export async function saveDisclosures(file: string, disclosures: readonly string[]): Promise<void> {
  try {
    await appendFile(file, formatDisclosuresText(disclosures), { mode: 0o600 });
  } catch (cause) {
    throw cliError('CLI_FILE_UNWRITABLE', `cannot write ${file}: ${(cause as Error).message}`, cause);
  }
}

/** Tells where the disclosures of a written record are (text mode). */
function printDisclosuresLine(io: CliIo, receipt: SubmittedReceipt, out: string | undefined): void {
  const n = receipt.disclosures.length;
  if (n === 0) return;
  io.stdout.write(
    out !== undefined
      ? `  disclosures ${n} confidential member(s), logged as digests; disclosures appended to ${out}\n`
      : `  disclosures ${n} confidential member(s), logged as digests; the service keeps the disclosures ` +
          `(save them with --disclosures-out FILE, or read them: dataledger get /v1/records/${receipt.index}/disclosures)\n`,
  );
}

/**
 * `dataledger submit TYPE --payload FILE|-`: any record type, its payload as JSON.
 * @param type - the record type
 * @param options - see {@link WriteOptions} (`payload` required)
 * @param io - streams
 * @returns 0 appended, 1 refused by the service
 * @throws DataLedgerError `CLI_USAGE`, `CLI_FILE_UNREADABLE`, `CLI_JSON_INVALID`, `CLI_KEYFILE_INVALID`, `CLI_HTTP_ERROR` (exit 2)
 */
export async function submitCommand(type: string, options: WriteOptions, io: CliIo): Promise<ExitStatus> {
  if (!SUBMITTABLE_TYPES.includes(type)) {
    throw cliError('CLI_USAGE', `${JSON.stringify(type)} is not a record type a client submits; one of: ${SUBMITTABLE_TYPES.join(', ')}`);
  }
  if (options.payload === undefined) throw cliError('CLI_USAGE', 'give the payload with --payload FILE (or - for stdin)');
  const payload = await payloadFile(options, io);
  return signAndSubmit(io, options, type, async () => payload);
}

/**
 * Runs a friendly write verb: its options (over `--payload`, when given) become the payload
 * of its record type, which is signed and submitted as by `submit`.
 * @param verb - the verb (a row of `WRITE_VERBS`)
 * @param options - the parsed options
 * @param io - streams and working directory
 * @returns 0 appended, 1 refused by the service
 * @throws DataLedgerError `CLI_USAGE` naming a missing option, and as {@link submitCommand}
 */
export async function writeVerbCommand(verb: WriteVerb, options: WriteOptions, io: CliIo): Promise<ExitStatus> {
  const base = await payloadFile(options, io);
  return signAndSubmit(io, options, verb.type, async (did) => {
    const own = dropUndefined(await verb.build(options, { did, path: (f) => resolve(io.cwd, f), now: new Date().toISOString() }));
    // The file's members stand, except those a main option (the ones in `required`) was
    // given for on the command line; options fill in what the file lacks.
    const payload: Payload = { ...own, ...base };
    for (const [k, v] of Object.entries(own)) if (!(k in base) || optionGiven(verb, k, options)) payload[k] = v;
    const missing = Object.entries(verb.required).filter(([member]) => payload[member] === undefined);
    if (missing.length > 0) {
      throw cliError('CLI_USAGE', `missing ${missing.map(([, flag]) => flag).join(', ')} (or give the members in --payload FILE)`);
    }
    return payload;
  });
}

/**
 * True when an option that sets payload member `member` (the flags `required` names for it)
 * was given on the command line.
 */
function optionGiven(verb: WriteVerb, member: string, options: WriteOptions): boolean {
  const flags = verb.required[member]?.match(/--[a-z][a-z-]*/g) ?? [];
  // commander's attribute name of a flag: --valid-until → validUntil.
  return flags.some((f) => options[f.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] !== undefined);
}
