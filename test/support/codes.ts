/**
 * The outcome of a call as a test wants to compare it: `'OK'` when it resolves, the
 * `DataLedgerError` code when it is refused. Any other error is a bug and is re-thrown.
 */
import { isDataLedgerError } from '@dataledger/core';

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isDataLedgerError(err)) return err.code;
    throw err;
  }
  return 'OK';
}
