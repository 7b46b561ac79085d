import { resolve } from 'node:path';
import { isDataLedgerError } from '@dataledger/core';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openDataDir } from '../datadir.ts';
import { refuseExisting, writeOutFile } from '../outfile.ts';
import { networkCause } from './remote.ts';
import { publishedLogKey, tileBundleLines } from '../tiles.ts';

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
): Promise<{ lines: AsyncIterable<string>; close: () => Promise<void> }> {
  if (options.url !== undefined) {
    // A live log is read from its C2SP tlog-tiles (cacheable, served by every instance); the
    // header names the key the checkpoint is signed with: the one given, else the published one.
    const url = options.url;
    const keys = options.logKey !== undefined && options.logKey.length > 0 ? options.logKey : [await publishedLogKey(url)];
    return { lines: tileBundleLines(url, keys), close: async () => {} };
  }
  if (options.data === undefined) throw cliError('CLI_USAGE', 'give --data DIR or --url URL');
  const service = await openDataDir(resolve(io.cwd, options.data), { mustExist: true });
  return { lines: service.log.exportBundle(), close: () => service.close() };
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
  // Before anything is read: an existing bundle (evidence, perhaps) is not replaced by accident.
  if (file !== undefined) await refuseExisting(file, options.force === true);
  const { lines, close } = await openBundleLines(options, io);
  let count = 0;
  try {
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
