import { link, lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { cliError } from './errors.ts';

/**
 * Writes a file whole or not at all: under a temporary name, synced, then moved in place.
 * Without `overwrite` an existing file is never replaced (the move is a hard link, which
 * fails when the name is taken, so a file created meanwhile is not clobbered either).
 * @param file - absolute destination path
 * @param write - writes the content through the handle (or a string to write)
 * @param overwrite - replace an existing file (`--force`)
 * @param mode - permissions of a new file (before the umask; 0o600 for confidential content)
 * @throws DataLedgerError `CLI_FILE_EXISTS` or `CLI_FILE_UNWRITABLE`
 */
export async function writeOutFile(
  file: string,
  write: string | ((handle: FileHandle) => Promise<void>),
  overwrite: boolean,
  mode: number = 0o666,
): Promise<void> {
  const temp = `${file}.partial-${process.pid}-${Date.now()}`;
  let handle;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (cause) {
    throw cliError('CLI_FILE_UNWRITABLE', `cannot write ${file}: ${(cause as Error).message}`, cause);
  }
  try {
    if (typeof write === 'string') await handle.write(write);
    else await write(handle);
    await handle.sync();
    await handle.close();
    if (overwrite) {
      await rename(temp, file);
    } else {
      try {
        await link(temp, file);
      } catch (cause) {
        if ((cause as { code?: string }).code === 'EEXIST') throw cliError('CLI_FILE_EXISTS', `${file} exists; pass --force to replace it`, cause);
        throw cliError('CLI_FILE_UNWRITABLE', `cannot write ${file}: ${(cause as Error).message}`, cause);
      }
      await rm(temp, { force: true });
    }
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Refuses, before any work is done, to write over an existing file without `--force`
 * (`writeOutFile` checks again when it moves the file in place).
 * @param file - absolute destination path
 * @param overwrite - `--force` was given
 * @throws DataLedgerError `CLI_FILE_EXISTS`
 */
export async function refuseExisting(file: string, overwrite: boolean): Promise<void> {
  if (overwrite) return;
  const present = await lstat(file).then(
    () => true,
    () => false,
  );
  if (present) throw cliError('CLI_FILE_EXISTS', `${file} exists; pass --force to replace it`);
}
