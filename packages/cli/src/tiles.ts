/**
 * Reading a live log through its C2SP tlog-tiles API (`<base>/tlog`), for `verify --url` and
 * `export --url`: the checkpoint is verified with the given log keys, the entries come from
 * entry bundles, and the bundle verifier replays them.
 */
import { isDataLedgerError } from '@dataledger/core';
import { TileLogClient, type VerifiedCheckpoint } from '@dataledger/provenance';
import { cliError } from './errors.ts';
import { networkCause } from './commands/remote.ts';

/**
 * The tiles prefix of a service: `<base>/tlog` (a base already ending in `/tlog` is kept).
 * @throws DataLedgerError `CLI_USAGE` unless `base` is an http(s) URL
 */
export function tilesPrefix(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch (cause) {
    throw cliError('CLI_USAGE', `--url ${JSON.stringify(base)} is not a URL`, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw cliError('CLI_USAGE', `--url ${JSON.stringify(base)}: expected http(s)`);
  const trimmed = url.toString().replace(/\/+$/u, '');
  return trimmed.endsWith('/tlog') ? trimmed : `${trimmed}/tlog`;
}

/** Turns a failure to reach the log into `CLI_HTTP_ERROR` (exit 2); other errors pass through. */
export function httpFailure(err: unknown, base: string): unknown {
  // A network failure names its cause (ECONNREFUSED host:port), as every other command does.
  if (isDataLedgerError(err, 'TILES_HTTP')) return cliError('CLI_HTTP_ERROR', `reading the tiles of ${base} failed: ${networkCause(err)}`, err);
  return err;
}

/**
 * The service's published log key (`GET <base>/v1/log/key`): trusting it proves only that the
 * log is self-consistent, which is what an export needs to name in its header.
 * @throws DataLedgerError `CLI_HTTP_ERROR`
 */
export async function publishedLogKey(base: string): Promise<string> {
  const url = `${tilesPrefix(base).replace(/\/tlog$/u, '')}/v1/log/key`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return (await res.text()).trim();
  } catch (cause) {
    throw cliError('CLI_HTTP_ERROR', `GET ${url} failed: ${networkCause(cause)}`, cause);
  }
}

/**
 * Opens a live log's tiles and fetches its verified checkpoint.
 * @throws DataLedgerError `CLI_HTTP_ERROR` when it cannot be read; the checkpoint codes when no
 *   trusted key signed it
 */
export async function openTiles(base: string, logKeys: string[]): Promise<{ client: TileLogClient; checkpoint: VerifiedCheckpoint }> {
  const client = new TileLogClient({ url: tilesPrefix(base), logKeys });
  try {
    return { client, checkpoint: await client.checkpoint() };
  } catch (err) {
    throw httpFailure(err, base);
  }
}

/**
 * The JSON Lines bundle of a live log, line by line (each ending in `\n`), read from its tiles.
 * @throws DataLedgerError `CLI_HTTP_ERROR`, `TILES_MALFORMED`
 */
export async function* tileBundleLines(base: string, logKeys: string[]): AsyncGenerator<string> {
  yield* openedBundleLines(base, await openTiles(base, logKeys));
}

/**
 * The JSON Lines bundle of a live log already opened ({@link openTiles}), up to its verified
 * checkpoint: what an export names its size by.
 * @throws DataLedgerError `CLI_HTTP_ERROR`, `TILES_MALFORMED`
 */
export async function* openedBundleLines(base: string, opened: { client: TileLogClient; checkpoint: VerifiedCheckpoint }): AsyncGenerator<string> {
  const { client, checkpoint } = opened;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  try {
    for await (const chunk of client.bundleChunks(checkpoint)) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) yield `${line}\n`;
    }
  } catch (err) {
    throw httpFailure(err, base);
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
}
