/**
 * The vouch tag of provenance's forwarded records as its format says, computed without the
 * library: HMAC-SHA-256 under the key, over each record's RFC 8785 text (UTF-8) after its
 * length as a uint32, big-endian, in order. Tests pin the format with it and forge rows with it.
 */
import { createHmac } from 'node:crypto';
import { canonicalize } from '@dataledger/core';
import type { LedgerRecord } from '../../src/index.ts';

/** The tag of `records` under `key`. */
export function vouchTagByHand(records: readonly LedgerRecord[], key: Uint8Array): Uint8Array {
  const mac = createHmac('sha256', key);
  for (const r of records) {
    const bytes = Buffer.from(canonicalize(r), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    mac.update(len).update(bytes);
  }
  return new Uint8Array(mac.digest());
}
