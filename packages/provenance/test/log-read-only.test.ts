/**
 * `Log.open` read-only: a regulator or mirror opens a LevelDB ledger with the log's public key
 * only. Reads and RFC 9162 proofs work against what the keyed log wrote; appends, new
 * checkpoints and export (a bundle ends with a signed checkpoint) are refused with
 * `LEDGER_READ_ONLY`, and the store stays byte for byte as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import { Log, memoryStore, openCheckpoint, openLevelStore, recordLeafHash, verifyInclusion } from '../src/index.ts';
import { chain, logKey, ORIGIN, snapshot, tempDir } from './support/fixtures.ts';

const dirs: { remove: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isDataLedgerError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

describe('Log.open with the public key only', () => {
  it('reads and proves what the keyed log wrote; refuses to append or sign; writes nothing', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const writer = await Log.open(await openLevelStore(dir.path), { origin: ORIGIN, logKey });
    await writer.appendBatch(chain(writer.head(), 5));
    const note = await writer.checkpoint();
    await writer.close();

    const store = await openLevelStore(dir.path);
    const before = await snapshot(store);
    const reader = await Log.open(store, { origin: ORIGIN, logKey: { publicKey: logKey.publicKey } });
    expect(reader.size).toBe(5);
    expect(reader.verifierKey).toBe(writer.verifierKey);
    // the checkpoint the keyed log signed proves the reader's records (RFC 9162 §2.1.3.2)
    const { checkpoint } = openCheckpoint(note, [reader.verifierKey]);
    const records = await reader.entries(0, 5);
    for (const r of records) {
      const proof = await reader.inclusionProof(r.index, 5);
      expect(verifyInclusion({ leafHash: recordLeafHash(r), index: r.index, treeSize: 5, proof, root: checkpoint.rootHash })).toBe(true);
    }
    expect(await reader.rootHashAt(5)).toEqual(checkpoint.rootHash);
    // a bundle ends with a checkpoint this log cannot sign
    expect(
      await codeOf(
        (async () => {
          for await (const _ of reader.exportBundle()) void _;
        })(),
      ),
    ).toBe('LEDGER_READ_ONLY');

    expect(await codeOf(reader.append(chain(reader.head(), 1)[0]!))).toBe('LEDGER_READ_ONLY');
    expect(await codeOf(reader.appendBatch(chain(reader.head(), 2)))).toBe('LEDGER_READ_ONLY');
    expect(await codeOf(reader.checkpoint())).toBe('LEDGER_READ_ONLY');
    expect(reader.size).toBe(5);
    expect(await snapshot(store)).toEqual(before);
    await reader.close();
  });

  it('an empty store opens as an empty log and is not written to', async () => {
    const store = memoryStore();
    const reader = await Log.open(store, { origin: ORIGIN, logKey: { publicKey: logKey.publicKey } });
    expect(reader.size).toBe(0);
    expect((await snapshot(store)).size).toBe(0);
    await reader.close();
  });

  it('a key that is neither a seed nor a public key is a TypeError naming the option', async () => {
    await expect(Log.open(memoryStore(), { origin: ORIGIN, logKey: { publicKey: new Uint8Array(5) } })).rejects.toThrow(/options\.logKey/);
  });
});
