/**
 * The checkpoint state file shared by `dataledger checkpoint watch --state` and
 * `dataledger verify --state`: the text of the last checkpoint this machine verified (a C2SP
 * signed note, exactly as signed). It is what makes rollback detectable: a later view of the
 * log — a polled checkpoint or a whole bundle — must extend it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { openCheckpoint, type Checkpoint } from '@dataledger/provenance';
import { cliError } from './errors.ts';

/** A checkpoint read back from a state file. */
export interface CheckpointState {
  /** The signed note, as stored. */
  text: string;
  /** Its parsed body. */
  checkpoint: Checkpoint;
}

/**
 * Reads the state file; a missing file is a first run.
 * @param path - absolute path of the state file
 * @param trustedLogKeys - the note must be signed by one of these (a tampered state is refused)
 * @returns the stored checkpoint, or undefined when the file does not exist
 * @throws DataLedgerError `CLI_USAGE` when the file holds no checkpoint signed by a trusted key
 */
export async function readCheckpointState(path: string, trustedLogKeys: readonly string[]): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined; // first run
  }
  try {
    return { text, checkpoint: openCheckpoint(text, [...trustedLogKeys]).checkpoint };
  } catch (cause) {
    throw cliError('CLI_USAGE', `state file ${path} does not hold a checkpoint signed by a trusted key`, cause);
  }
}

/**
 * Replaces the state file with a newly verified checkpoint (write, then rename: a crash never
 * leaves a half-written state).
 * @param path - absolute path of the state file
 * @param text - the verified signed checkpoint note
 * @throws DataLedgerError `CLI_FILE_UNWRITABLE`
 */
export async function writeCheckpointState(path: string, text: string): Promise<void> {
  try {
    await writeFile(`${path}.tmp`, text, 'utf8');
    await rename(`${path}.tmp`, path);
  } catch (cause) {
    throw cliError('CLI_FILE_UNWRITABLE', `cannot write the state file ${path}: ${(cause as Error).message}`, cause);
  }
}
