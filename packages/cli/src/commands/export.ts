import { resolve } from 'node:path';
import { formatDisclosuresText } from '@dataledger/certificates';
import { isDataLedgerError } from '@dataledger/core';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openDataDir } from '../datadir.ts';
import { refuseExisting, writeOutFile } from '../outfile.ts';
import { networkCause, remoteClient, remoteError } from './remote.ts';
import { openedBundleLines, openTiles, publishedLogKey } from '../tiles.ts';

/** Options of `dataledger export`. */
export interface ExportOptions {
  /** Data directory to export from (exclusive with `url`). */
  data?: string | undefined;
  /** Base URL of a running service to export from, read through its tiles (exclusive with `data`). */
  url?: string | undefined;
  /** With `url`: log keys the checkpoint must be signed by (default: the key the service publishes). */
  logKey?: string[] | undefined;
  /** Bundle file to write, or "-" for stdout. */
  out: string;
  /** Replace an existing `out` (without it, an existing file is refused). */
  force?: boolean | undefined;
  /**
   * With `url` and `key` (a regulator's): also write the vault's disclosures of the exported
   * records to this file, at the bundle's size (`GET /v1/supervision/disclosures`, a signed read).
   */
  disclosures?: string | undefined;
  /** Key file of the regulator that signs the disclosures read (else `DATALEDGER_KEY`). */
  key?: string | undefined;
}

/**
 * The bundle lines of a ledger in a data directory, or of a running service.
 * @param options - `data`, or `url` (read through `<url>/tlog`, C2SP tlog-tiles) and `logKey`
 * @param io - working directory
 * @returns the JSONL lines and a closer to call when done
 * @throws DataLedgerError `CLI_DATA_DIR_MISSING`, `CLI_DATA_DIR_LOCKED`, `CLI_HTTP_ERROR`
 */
export async function openBundleLines(
  options: Pick<ExportOptions, 'data' | 'url' | 'logKey'>,
  io: CliIo,
): Promise<{ lines: AsyncIterable<string>; close: () => Promise<void>; size?: number }> {
  if (options.url !== undefined) {
    // A live log is read from its C2SP tlog-tiles (cacheable, served by every instance); the
    // header names the key the checkpoint is signed with: the one given, else the published one.
    const url = options.url;
    const keys = options.logKey !== undefined && options.logKey.length > 0 ? options.logKey : [await publishedLogKey(url)];
    const opened = await openTiles(url, keys);
    return { lines: openedBundleLines(url, opened), close: async () => {}, size: opened.checkpoint.checkpoint.size };
  }
  if (options.data === undefined) throw cliError('CLI_USAGE', 'give --data DIR or --url URL');
  const service = await openDataDir(resolve(io.cwd, options.data), { mustExist: true });
  return { lines: service.log.exportBundle(), close: () => service.close() };
}

/**
 * The vault's disclosures of records `[0, size)`, read with a regulator's signed read.
 * @throws DataLedgerError `CLI_REQUEST_REFUSED` (not a regulator…), `CLI_HTTP_ERROR`
 */
async function readDisclosures(options: ExportOptions, io: CliIo, size: number): Promise<string[]> {
  const remote = await remoteClient({ url: options.url, key: options.key }, io, true);
  try {
    return await remote.client.exportDisclosures(size);
  } catch (err) {
    throw remoteError(err, remote.url);
  }
}

/**
 * `dataledger export`: writes the bundle (header, records, signed checkpoint) of a ledger.
 * A file is written under a temporary name and moved in place when complete, so a failed
 * export never leaves a truncated bundle behind; an existing file is replaced only with `force`.
 * @param options - see {@link ExportOptions}
 * @param io - streams and working directory
 * @returns {@link EXIT}.OK
 * @throws DataLedgerError `CLI_FILE_EXISTS` (no `--force`), or another `CLI_…` code when the source or destination fails
 */
export async function exportCommand(options: ExportOptions, io: CliIo): Promise<ExitStatus> {
  const file = options.out === '-' ? undefined : resolve(io.cwd, options.out);
  const disclosuresFile = options.disclosures === undefined ? undefined : resolve(io.cwd, options.disclosures);
  if (disclosuresFile !== undefined && options.url === undefined) {
    throw cliError('CLI_USAGE', '--disclosures needs --url and --key: the disclosures are read from the service (a signed read, regulator)');
  }
  // Before anything is read: an existing bundle (evidence, perhaps) is not replaced by accident.
  if (file !== undefined) await refuseExisting(file, options.force === true);
  if (disclosuresFile !== undefined) await refuseExisting(disclosuresFile, options.force === true);
  const { lines, close, size } = await openBundleLines(options, io);
  let count = 0;
  try {
    // The disclosures are read at the size of the checkpoint the bundle ends with, before the
    // bundle is written: a key that may not read them fails the export before any file appears;
    // they are written once the bundle is complete.
    const disclosures = disclosuresFile === undefined ? undefined : await readDisclosures(options, io, size as number);
    if (file === undefined) {
      for await (const line of wrapHttpErrors(lines, options.url)) {
        io.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
        count += 1;
      }
    } else {
      await writeOutFile(
        file,
        async (handle) => {
          // Lines are gathered into ~64 KiB writes; every write is awaited, so a full disk is an error here.
          let pending = '';
          for await (const line of wrapHttpErrors(lines, options.url)) {
            pending += line.endsWith('\n') ? line : `${line}\n`;
            count += 1;
            if (pending.length >= 65_536) {
              await handle.write(pending);
              pending = '';
            }
          }
          if (pending !== '') await handle.write(pending);
        },
        options.force === true,
      );
      io.stderr.write(`exported ${Math.max(0, count - 2)} records to ${file}\n`);
    }
    if (disclosuresFile !== undefined && disclosures !== undefined) {
      // Readable by its owner only: these are the values the public log conceals.
      await writeOutFile(disclosuresFile, formatDisclosuresText(disclosures), options.force === true, 0o600);
      io.stderr.write(`exported ${disclosures.length} disclosures of records [0, ${size}) to ${disclosuresFile}\n`);
    }
  } finally {
    await close();
  }
  return EXIT.OK;
}

async function* wrapHttpErrors(lines: AsyncIterable<string>, url: string | undefined): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (err) {
    if (url === undefined || (isDataLedgerError(err) && err.code.startsWith('CLI_'))) throw err;
    throw cliError(
      'CLI_HTTP_ERROR',
      `export from ${url} failed: ${isDataLedgerError(err) && err.code === 'HTTP_UNREACHABLE' ? networkCause(err) : (err as Error).message}`,
      err,
    );
  }
}
