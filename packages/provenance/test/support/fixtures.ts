/** Shared test fixtures: deterministic keys, record chains, store snapshots, temp dirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPairFromSeed, type KeyPair } from '@dataledger/core';
import { buildChain, type LedgerRecord, type LogHead, type RecordStore } from '../../src/index.ts';

/** A key pair from a one-byte seed pattern. */
export function key(n: number): KeyPair {
  return keyPairFromSeed(new Uint8Array(32).fill(n));
}

export const logKey: KeyPair = key(200);
export const ORIGIN = 'test.example/ledger';

/** `count` records continuing `head`, signed round-robin by `signers`, one millisecond apart. */
export function chain(head: Pick<LogHead, 'size' | 'lastLeafHash'>, count: number, signers: KeyPair[] = [key(1), key(2), key(3)]): LedgerRecord[] {
  const drafts = Array.from({ length: count }, (_, i) => {
    const n = head.size + i;
    return {
      type: 'test.event',
      payload: { n, note: `record ${n}` },
      time: new Date(Date.UTC(2026, 10, 26, 8, 0, 0) + n).toISOString(),
      signer: signers[n % signers.length]!,
    };
  });
  return buildChain(head, drafts);
}

/** Every key and value of a store, hex-encoded, for before/after comparisons. */
export async function snapshot(store: RecordStore): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const [k, v] of store.iterate({})) m.set(k, Buffer.from(v).toString('hex'));
  return m;
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix = 'dl-prov-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
