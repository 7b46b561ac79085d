import { disclosureMap, payloadDigests, type ErasedDisclosure } from '@dataledger/certificates';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { printReceipt, remoteClient, runRemote, type RemoteOptions, type RemoteClient } from './remote.ts';

/** Options of `dataledger erase`. */
export interface EraseOptions extends RemoteOptions {
  /** The record whose disclosures are erased (a decimal index). */
  index?: string | undefined;
  /** The digests to erase (repeatable). */
  digest?: string[] | undefined;
  /** The member path each digest hides, in the order of `digest` (default: read from the disclosure, when this key may read it). */
  member?: string[] | undefined;
  /** Why (kept on the log). */
  reason?: string | undefined;
}

/**
 * The member path each digest hides: the `_sd` it sits in (from the record) and the name in
 * its disclosure (a signed read: a regulator reads every record's, a data subject its consent's).
 */
async function membersOf(remote: RemoteClient, index: number, digests: readonly string[]): Promise<string[]> {
  const record = await remote.client.record(index);
  const at = new Map(payloadDigests(record.payload).map((d) => [d.digest, d.at]));
  const { disclosures } = await remote.client.disclosuresOf(index);
  const opened = disclosureMap(disclosures);
  return digests.map((digest) => {
    const place = at.get(digest);
    if (place === undefined) throw cliError('CLI_USAGE', `--digest ${digest} is not a digest of record ${index}`);
    const d = opened.get(digest);
    if (d === undefined) throw cliError('CLI_USAGE', `the disclosure of ${digest} is not readable with this key: give its --member`);
    return place === '' ? d.name : `${place}.${d.name}`;
  });
}

/**
 * `dataledger erase --index N --digest D [--member M] --reason R`: erases disclosures from the
 * service's vault with a signed `disclosure.erased` record (a regulator; or the data subject,
 * for its own consent). The digests stay on the log, so every bundle still verifies; the values
 * are gone from the vault and from every later `export --disclosures`.
 * @param options - see {@link EraseOptions}
 * @param io - streams
 * @returns 0 erased, 1 refused by the service
 * @throws DataLedgerError `CLI_USAGE`, `CLI_KEYFILE_INVALID`, `CLI_HTTP_ERROR` (exit 2)
 */
export async function eraseCommand(options: EraseOptions, io: CliIo): Promise<ExitStatus> {
  if (options.index === undefined || !/^\d{1,15}$/.test(options.index)) throw cliError('CLI_USAGE', 'give the record with --index N (a non-negative integer)');
  const index = Number(options.index);
  const digests = options.digest ?? [];
  if (digests.length === 0) throw cliError('CLI_USAGE', 'give at least one --digest D (the digests of a record: dataledger get /v1/records/N/disclosures)');
  const given = options.member ?? [];
  if (given.length > 0 && given.length !== digests.length) throw cliError('CLI_USAGE', 'give one --member per --digest, in the same order (or none)');
  if (options.reason === undefined || options.reason === '') throw cliError('CLI_USAGE', 'give the reason with --reason TEXT');
  const reason = options.reason;
  const remote = await remoteClient(options, io, true);
  return runRemote(io, options, remote.url, async () => {
    const members = given.length > 0 ? given : await membersOf(remote, index, digests);
    const erased: ErasedDisclosure[] = digests.map((digest, i) => ({ digest, member: members[i] as string }));
    const receipt = await remote.client.erase({ index, erased, reason });
    printReceipt(io, receipt, options.json === true);
    if (options.json !== true)
      io.stdout.write(`  erased     ${erased.map((e) => e.member).join(', ')} of record #${index} from the vault (the digests stay on the log)\n`);
    return EXIT.OK;
  });
}
