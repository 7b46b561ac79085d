/**
 * The log key the reader trusts, pinned in localStorage. On the first visit it is taken from
 * the server and marked so (a key fetched from the server proves nothing about the server);
 * the reader can replace it with a key obtained elsewhere. Also remembers the last checkpoint
 * seen, for the consistency check of the next visit (RFC 9162 §2.1.4).
 */
import { openCheckpoint, parseVerifierKey, type Checkpoint } from '@dataledger/provenance';
import { fromBase64, toBase64 } from '@dataledger/core';
import { serverLogKey } from './api.ts';

const KEY = 'dataledger.trustedLogKey';
const KEY_SOURCE = 'dataledger.trustedLogKeySource';
const SEEN = 'dataledger.lastCheckpoint';

/** The pinned key and where it came from. */
export interface TrustedKey {
  vkey: string;
  source: 'server' | 'user';
}

function read(name: string): string | null {
  try {
    return localStorage.getItem(name);
  } catch {
    return null;
  }
}

function write(name: string, value: string): void {
  try {
    localStorage.setItem(name, value);
  } catch {
    // storage disabled: the key holds for this page only
  }
}

let memo: TrustedKey | null = null;

/** True when `vkey` parses as a C2SP verifier key (C2SP signed-note). */
export function isVerifierKey(vkey: string): boolean {
  try {
    parseVerifierKey(vkey);
    return true;
  } catch {
    return false;
  }
}

/** The pinned key; on the first visit, the server's key (marked `server`). */
export async function trustedKey(): Promise<TrustedKey> {
  if (memo !== null) return memo;
  const saved = read(KEY);
  if (saved !== null && isVerifierKey(saved)) {
    memo = { vkey: saved, source: read(KEY_SOURCE) === 'user' ? 'user' : 'server' };
    return memo;
  }
  return pinFromServer();
}

/** Takes the server's key again (marked `server`). */
export async function pinFromServer(): Promise<TrustedKey> {
  const vkey = await serverLogKey();
  memo = { vkey, source: 'server' };
  write(KEY, vkey);
  write(KEY_SOURCE, 'server');
  return memo;
}

/** Pins a key the reader typed or pasted. */
export function pinKey(vkey: string): TrustedKey {
  const v = vkey.trim();
  parseVerifierKey(v);
  memo = { vkey: v, source: 'user' };
  write(KEY, v);
  write(KEY_SOURCE, 'user');
  return memo;
}

/**
 * Opens a checkpoint note with the trusted key only.
 * @throws DataLedgerError (`CHECKPOINT_…`) when the trusted key did not sign it
 */
export async function openTrusted(note: string): Promise<Checkpoint> {
  return openCheckpoint(note, [(await trustedKey()).vkey]).checkpoint;
}

/** The checkpoint seen on the last visit under the same key, if any. */
export function lastSeen(vkey: string): { size: number; rootHash: Uint8Array } | null {
  const s = read(SEEN);
  if (s === null) return null;
  try {
    const v = JSON.parse(s) as { vkey?: unknown; size?: unknown; root?: unknown };
    if (v.vkey !== vkey || !Number.isSafeInteger(v.size) || typeof v.root !== 'string') return null;
    return { size: v.size as number, rootHash: fromBase64(v.root) };
  } catch {
    return null;
  }
}

/** Remembers a verified checkpoint for the next visit. */
export function remember(vkey: string, cp: Checkpoint): void {
  write(SEEN, JSON.stringify({ vkey, size: cp.size, root: toBase64(cp.rootHash) }));
}
