/**
 * An in-memory log over provenance's pure RFC 9162 and C2SP functions, for testing the
 * service's queue and routes independently of the store. Same checks as `Log.append`.
 */
import { DataLedgerError, equalBytes, fromBase64, getPublicKey, toBase64 } from '@dataledger/core';
import {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  recordLeafHash,
  signCheckpoint,
  verifierKey,
  verifyRecordSignature,
  type LedgerRecord,
  type LogHead,
} from '@dataledger/provenance';
import type { LogLike } from '../../src/service.ts';

export class ArrayLog implements LogLike {
  readonly records: LedgerRecord[] = [];
  readonly leaves: Uint8Array[] = [];
  readonly verifierKey: string;
  appendCalls = 0;
  constructor(
    readonly origin: string,
    private readonly secretKey: Uint8Array,
  ) {
    this.verifierKey = verifierKey(origin, getPublicKey(secretKey));
  }
  head(): LogHead {
    const n = this.records.length;
    return {
      size: n,
      rootHash: merkleRoot(this.leaves),
      lastLeafHash: n === 0 ? null : (this.leaves[n - 1] as Uint8Array),
      lastTime: n === 0 ? null : (this.records[n - 1] as LedgerRecord).time,
    };
  }
  async appendBatch(records: LedgerRecord[]): Promise<{ index: number; leafHash: Uint8Array; record: LedgerRecord }[]> {
    this.appendCalls++;
    let size = this.records.length;
    let last = size === 0 ? null : (this.leaves[size - 1] as Uint8Array);
    const hashes: Uint8Array[] = [];
    for (const [position, r] of records.entries()) {
      const details = { details: { position, index: r.index } };
      if (r.index !== size) throw new DataLedgerError('LEDGER_INDEX_MISMATCH', 'index', details);
      if (last === null ? r.prev !== '' : !equalBytes(fromBase64(r.prev), last)) throw new DataLedgerError('LEDGER_CHAIN_BROKEN', 'prev', details);
      if (!verifyRecordSignature(r)) throw new DataLedgerError('LEDGER_SIGNATURE_INVALID', 'sig', details);
      last = recordLeafHash(r);
      hashes.push(last);
      size++;
    }
    this.records.push(...records);
    this.leaves.push(...hashes);
    return records.map((r, i) => ({ index: r.index, leafHash: hashes[i] as Uint8Array, record: r }));
  }
  async indexOfLeafHash(hash: Uint8Array): Promise<number | undefined> {
    const i = this.leaves.findIndex((l) => equalBytes(l, hash));
    return i === -1 ? undefined : i;
  }
  async leafHashAt(index: number): Promise<Uint8Array> {
    const h = this.leaves[index];
    if (h === undefined) throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', 'index');
    return h;
  }
  async inclusionProof(index: number, treeSize = this.records.length): Promise<Uint8Array[]> {
    return inclusionProof(this.leaves.slice(0, treeSize), index);
  }
  async consistencyProof(size1: number, size2 = this.records.length): Promise<Uint8Array[]> {
    return consistencyProof(this.leaves.slice(0, size2), size1);
  }
  async rootHashAt(treeSize: number): Promise<Uint8Array> {
    return merkleRoot(this.leaves.slice(0, treeSize));
  }
  async checkpoint(): Promise<string> {
    return signCheckpoint({ origin: this.origin, size: this.records.length, rootHash: merkleRoot(this.leaves) }, { name: this.origin, secretKey: this.secretKey });
  }
  async checkpointAt(treeSize: number): Promise<string> {
    return signCheckpoint({ origin: this.origin, size: treeSize, rootHash: merkleRoot(this.leaves.slice(0, treeSize)) }, { name: this.origin, secretKey: this.secretKey });
  }
  async entries(start: number, end: number): Promise<LedgerRecord[]> {
    return this.records.slice(start, end);
  }
  async *exportBundle(): AsyncIterable<string> {
    yield JSON.stringify({ format: 'test', origin: this.origin, logKey: this.verifierKey });
    for (const r of this.records) yield JSON.stringify(r);
    yield JSON.stringify({ checkpoint: await this.checkpoint() });
  }
  async close(): Promise<void> {}
  rootB64(): string {
    return toBase64(merkleRoot(this.leaves));
  }
}
