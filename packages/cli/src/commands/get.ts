import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { remoteClient, runRemote, type RemoteOptions } from './remote.ts';

/**
 * `dataledger get PATH`: a read signed with RFC 9421 (the key's did:key is the `keyid`; the
 * service checks the signer's role), printed as JSON.
 * @param path - the API path, e.g. `/v1/assets/DL-2026-0001` (query string allowed)
 * @param options - url, key, json (compact output)
 * @param io - streams
 * @returns 0 read, 1 refused (not found, forbidden)
 * @throws DataLedgerError `CLI_USAGE`, `CLI_KEYFILE_INVALID`, `CLI_HTTP_ERROR` (exit 2)
 */
export async function getCommand(path: string, options: RemoteOptions, io: CliIo): Promise<ExitStatus> {
  if (!path.startsWith('/') || path.startsWith('//') || /\s/.test(path)) {
    throw cliError('CLI_USAGE', `PATH must be an API path starting with "/", e.g. /v1/assets/DL-2026-0001 (got ${JSON.stringify(path)})`);
  }
  const remote = await remoteClient(options, io, true);
  return runRemote(io, options, remote.url, async () => {
    const body = await remote.client.request<unknown>('GET', path, { signed: true });
    io.stdout.write(`${options.json === true ? JSON.stringify(body) : JSON.stringify(body, null, 2)}\n`);
    return EXIT.OK;
  });
}
