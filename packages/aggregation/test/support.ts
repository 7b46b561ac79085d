/** Shared fixtures: jobs, cached keys, holders. */
import { generateKeyPair, isDataLedgerError } from '@dataledger/core';
import { expect } from 'vitest';
import { type AggregationJob, type JobKeys, createJobKeys } from '../src/index.ts';

const keyCache = new Map<string, Promise<JobKeys>>();

/** Job keys, made once per job id within a test file. */
export function keysFor(job: AggregationJob): Promise<JobKeys> {
  let k = keyCache.get(job.id);
  if (k === undefined) {
    k = createJobKeys(job);
    keyCache.set(job.id, k);
  }
  return k;
}

/** A fresh holder. */
export function holder(): { secretKey: Uint8Array } {
  return { secretKey: generateKeyPair().secretKey };
}

/** Asserts that `p` rejects with a DataLedgerError of `code`. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeDefined();
  if (!isDataLedgerError(err, code)) throw new Error(`expected ${code}, got ${String((err as { code?: string })?.code ?? err)}`, { cause: err });
}

/** Element-wise sum of integer vectors. */
export function plainSum(vectors: readonly (readonly bigint[])[], length: number): bigint[] {
  const out = new Array<bigint>(length).fill(0n);
  for (const v of vectors) for (let i = 0; i < length; i++) out[i] = (out[i] as bigint) + (v[i] as bigint);
  return out;
}
