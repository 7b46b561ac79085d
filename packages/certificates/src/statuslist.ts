/**
 * W3C Bitstring Status List v1.0: a GZIP-compressed bitstring, base64url-encoded with the
 * multibase `u` prefix (§2.1 `encodedList`), of at least 131,072 entries (§4.1 "the bitstring
 * MUST be a minimum of 16KB"), one bit per credential (statusSize 1). Index 0 is the
 * left-most (most significant) bit of the first byte (§3.1 "Bitstring Generation").
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { fromBase64Url, toBase64Url } from '@dataledger/core';
import { CertificateError } from './errors.ts';
import { verifyCredential, type JsonObject } from './dataintegrity.ts';

/** Minimum number of entries of a status list (§4.1: 16 KiB of bits). */
export const STATUS_LIST_MIN_ENTRIES = 131_072;
/** Upper bound on a decoded list (bits), refusing decompression bombs: 2^27 entries (16 MiB). */
export const STATUS_LIST_MAX_ENTRIES: number = 1 << 27;

/** The two purposes a certificate's status is tracked under. */
export type StatusPurpose = 'revocation' | 'suspension';

/** A `BitstringStatusListEntry` in a credential's `credentialStatus` (§2.1). */
export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusPurpose;
  /** Decimal integer as a string (§2.1). */
  statusListIndex: string;
  statusListCredential: string;
  [key: string]: string;
}

/** A bitstring of credential statuses. Mutable; `encode()` snapshots it. */
export class BitstringStatusList {
  /** Number of entries (bits). */
  readonly length: number;
  readonly #bits: Uint8Array;

  /**
   * @param length - entries; a multiple of 8, at least {@link STATUS_LIST_MIN_ENTRIES}
   * @param bits - existing bytes (used by {@link BitstringStatusList.decode}); copied
   */
  constructor(length: number = STATUS_LIST_MIN_ENTRIES, bits?: Uint8Array) {
    if (!Number.isSafeInteger(length) || length % 8 !== 0) throw new RangeError('length: expected a multiple of 8');
    if (length < STATUS_LIST_MIN_ENTRIES) throw new RangeError(`length: at least ${STATUS_LIST_MIN_ENTRIES} entries (§4.1)`);
    if (length > STATUS_LIST_MAX_ENTRIES) throw new RangeError(`length: at most ${STATUS_LIST_MAX_ENTRIES} entries`);
    this.length = length;
    this.#bits = bits === undefined ? new Uint8Array(length / 8) : new Uint8Array(bits);
    if (this.#bits.length !== length / 8) throw new RangeError('bits: length does not match');
  }

  #check(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new CertificateError('STATUS_RANGE', `index: outside 0..${this.length - 1}`, { details: { index } });
    }
  }

  /**
   * The status bit at `index`.
   * @throws DataLedgerError `STATUS_RANGE`
   */
  get(index: number): boolean {
    this.#check(index);
    return ((this.#bits[index >> 3] as number) & (0x80 >> (index & 7))) !== 0;
  }

  /**
   * Sets the status bit at `index`.
   * @throws DataLedgerError `STATUS_RANGE`
   */
  set(index: number, value: boolean): void {
    this.#check(index);
    const mask = 0x80 >> (index & 7);
    const i = index >> 3;
    this.#bits[i] = value ? (this.#bits[i] as number) | mask : (this.#bits[i] as number) & ~mask;
  }

  /** Number of set bits. */
  count(): number {
    let n = 0;
    for (const b of this.#bits) {
      let x = b;
      while (x !== 0) {
        x &= x - 1;
        n++;
      }
    }
    return n;
  }

  /** `encodedList`: `u` + base64url(GZIP(bits)) (§3.1 step 4-5). */
  encode(): string {
    return `u${toBase64Url(new Uint8Array(gzipSync(this.#bits, { level: 9 })))}`;
  }

  /**
   * Decodes an `encodedList` (§3.2 "Bitstring Expansion").
   * @throws DataLedgerError `STATUS_LIST_MALFORMED` (not `u`+base64url of GZIP data, or too large),
   *   `STATUS_LIST_LENGTH` (fewer than 131,072 entries, §3.2 step 8)
   */
  static decode(encodedList: string): BitstringStatusList {
    if (typeof encodedList !== 'string' || encodedList[0] !== 'u') {
      throw new CertificateError('STATUS_LIST_MALFORMED', 'encodedList: expected the multibase u prefix');
    }
    let raw: Uint8Array;
    try {
      const gz = fromBase64Url(encodedList.slice(1));
      raw = new Uint8Array(gunzipSync(gz, { maxOutputLength: STATUS_LIST_MAX_ENTRIES / 8 }));
    } catch (cause) {
      throw new CertificateError('STATUS_LIST_MALFORMED', 'encodedList: not base64url GZIP data within bounds', { cause });
    }
    if (raw.length * 8 < STATUS_LIST_MIN_ENTRIES) {
      throw new CertificateError('STATUS_LIST_LENGTH', `encodedList: fewer than ${STATUS_LIST_MIN_ENTRIES} entries`);
    }
    return new BitstringStatusList(raw.length * 8, raw);
  }
}

/**
 * A `BitstringStatusListEntry` for a credential (§2.1).
 * @param statusListCredential - URL of the status list credential
 * @param statusListIndex - the credential's bit
 * @param statusPurpose - `revocation` or `suspension`
 */
export function statusListEntry(statusListCredential: string, statusListIndex: number, statusPurpose: StatusPurpose): BitstringStatusListEntry {
  if (!Number.isSafeInteger(statusListIndex) || statusListIndex < 0) throw new RangeError('statusListIndex: expected a non-negative integer');
  return {
    id: `${statusListCredential}#${statusListIndex}`,
    type: 'BitstringStatusListEntry',
    statusPurpose,
    statusListIndex: String(statusListIndex),
    statusListCredential,
  };
}

/** Fields of an unsigned `BitstringStatusListCredential`. */
export interface StatusListCredentialFields {
  /** URL of the credential (what entries name in `statusListCredential`). */
  id: string;
  /** Issuer DID (sign it with that DID's key). */
  issuer: string;
  statusPurpose: StatusPurpose;
  list: BitstringStatusList;
  validFrom?: string;
  validUntil?: string;
  /**
   * `ttl` (§2.2): milliseconds after which a verifier must fetch the list again. Counted from
   * `validFrom`, which is then required.
   */
  ttl?: number;
}

/** Default `ttl` of the status lists this project signs: five minutes. */
export const DEFAULT_STATUS_LIST_TTL_MS: number = 300_000;

/**
 * An unsigned `BitstringStatusListCredential` (§2.2); secure it with `signCredential`.
 * @param fields - id, issuer, purpose, list, optional validity and `ttl`
 * @throws RangeError when `ttl` is not a non-negative integer or comes without `validFrom`
 */
export function statusListCredential(fields: StatusListCredentialFields): JsonObject {
  const vc: JsonObject = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: fields.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: fields.issuer,
  };
  if (fields.validFrom !== undefined) vc.validFrom = fields.validFrom;
  if (fields.validUntil !== undefined) vc.validUntil = fields.validUntil;
  vc.credentialSubject = {
    id: `${fields.id}#list`,
    type: 'BitstringStatusList',
    statusPurpose: fields.statusPurpose,
    encodedList: fields.list.encode(),
  };
  if (fields.ttl !== undefined) {
    if (!Number.isSafeInteger(fields.ttl) || fields.ttl < 0) throw new RangeError('ttl: expected a non-negative integer of milliseconds');
    if (fields.validFrom === undefined) throw new RangeError('ttl: needs validFrom (the time it counts from)');
    (vc.credentialSubject as JsonObject).ttl = fields.ttl;
  }
  return vc;
}

/** Options of {@link checkStatus}. */
export interface CheckStatusOptions {
  /**
   * The verification time: the list credential's validity window, its proof's `expires` and
   * its `ttl` are all evaluated at this time; default now.
   */
  at?: Date;
  /** Issuers whose status lists are accepted (DIDs); default: any issuer whose proof verifies. */
  trustedIssuers?: readonly string[];
}

/** Result of {@link checkStatus}. */
export interface StatusCheck {
  statusPurpose: StatusPurpose;
  /** True when the bit is set (revoked or suspended). */
  set: boolean;
}

// Decoding a 16 KiB list and verifying its proof costs more than a certificate check; a
// verifier holds a few lists and checks many certificates against them.
const decoded = new WeakMap<object, OpenedStatusList>();

interface OpenedStatusList {
  issuer: string;
  purpose: StatusPurpose;
  validFrom?: string;
  validUntil?: string;
  /** `ttl` in milliseconds, when the list carries one. */
  ttl?: number;
  /** The proof's `expires`, re-checked at every verification time. */
  proofExpires?: string;
  list: BitstringStatusList;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function openStatusListCredential(vc: unknown, at: Date): OpenedStatusList {
  if (!isObj(vc)) throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: expected an object');
  const hit = decoded.get(vc);
  if (hit !== undefined) {
    // Everything but the proof's expiry is independent of the verification time.
    if (hit.proofExpires !== undefined && Date.parse(hit.proofExpires) < at.getTime()) {
      throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: proof does not verify', { details: { errors: [{ code: 'VC_PROOF_EXPIRED' }] } });
    }
    return hit;
  }
  const types = vc.type;
  const subject = vc.credentialSubject;
  if (!Array.isArray(types) || !types.includes('BitstringStatusListCredential') || !isObj(subject) || subject.type !== 'BitstringStatusList') {
    throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: not a BitstringStatusListCredential');
  }
  const result = verifyCredential(vc, { at });
  if (!result.verified) {
    throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: proof does not verify', { details: { errors: result.errors } });
  }
  const purpose = subject.statusPurpose;
  if (purpose !== 'revocation' && purpose !== 'suspension') {
    throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: unsupported statusPurpose');
  }
  const issuer = isObj(vc.issuer) ? vc.issuer.id : vc.issuer;
  if (typeof issuer !== 'string') throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: no issuer');
  const out: OpenedStatusList = { issuer, purpose, list: BitstringStatusList.decode(subject.encodedList as string) };
  if (typeof vc.validFrom === 'string') out.validFrom = vc.validFrom;
  if (typeof vc.validUntil === 'string') out.validUntil = vc.validUntil;
  if (subject.ttl !== undefined) {
    // §2.2: ttl is a number of milliseconds; it counts from when the list was made valid.
    if (typeof subject.ttl !== 'number' || !Number.isSafeInteger(subject.ttl) || subject.ttl < 0 || out.validFrom === undefined) {
      throw new CertificateError('STATUS_LIST_MALFORMED', 'statusListCredential: ttl must be non-negative integer milliseconds, with validFrom');
    }
    out.ttl = subject.ttl;
  }
  const proof = vc.proof;
  if (isObj(proof) && typeof proof.expires === 'string') out.proofExpires = proof.expires;
  decoded.set(vc, out);
  return out;
}

/**
 * Validates a status entry against its status list credential (Bitstring Status List §3.2
 * "Validate Algorithm"): the list credential's proof, issuer, validity window and purpose,
 * the list's length and the index range, and its freshness: a list is evidence of the status
 * only until `validFrom + ttl` (§2.2 `ttl`), so a list signed before a revocation cannot be
 * replayed after it for longer than that. All of it is evaluated at `options.at`. The list
 * credential object is treated as immutable (its decoding is cached by identity).
 * @param entry - the credential's `BitstringStatusListEntry`
 * @param listCredential - the secured status list credential it names
 * @returns the purpose and whether the bit is set
 * @throws DataLedgerError `STATUS_VERIFICATION` (proof, id, issuer or validity), `STATUS_LIST_STALE`
 *   (past its ttl at `at`), `STATUS_PURPOSE_MISMATCH`, `STATUS_LIST_MALFORMED`, `STATUS_LIST_LENGTH`, `STATUS_RANGE`
 */
export function checkStatus(entry: unknown, listCredential: unknown, options: CheckStatusOptions = {}): StatusCheck {
  if (!isObj(entry) || entry.type !== 'BitstringStatusListEntry' || typeof entry.statusListCredential !== 'string') {
    throw new CertificateError('STATUS_VERIFICATION', 'credentialStatus: not a BitstringStatusListEntry');
  }
  const index = typeof entry.statusListIndex === 'string' && /^(0|[1-9]\d{0,15})$/.test(entry.statusListIndex) ? Number(entry.statusListIndex) : NaN;
  if (!Number.isSafeInteger(index)) throw new CertificateError('STATUS_RANGE', 'statusListIndex: expected a decimal integer string');
  if (!isObj(listCredential) || listCredential.id !== entry.statusListCredential) {
    throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: not the list the entry names');
  }
  const atDate = options.at ?? new Date();
  const at = atDate.getTime();
  // An invalid time would make every comparison below false: fail closed.
  if (Number.isNaN(at)) throw new RangeError('options.at: not a valid Date');
  const opened = openStatusListCredential(listCredential, atDate);
  if (options.trustedIssuers !== undefined && !options.trustedIssuers.includes(opened.issuer)) {
    throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: issuer not trusted', { details: { issuer: opened.issuer } });
  }
  const from = opened.validFrom === undefined ? undefined : Date.parse(opened.validFrom);
  const until = opened.validUntil === undefined ? undefined : Date.parse(opened.validUntil);
  if (from !== undefined && !(from <= at)) throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: not valid yet at the verification time');
  if (until !== undefined && !(at <= until)) throw new CertificateError('STATUS_VERIFICATION', 'statusListCredential: expired at the verification time');
  if (opened.ttl !== undefined && at > (from as number) + opened.ttl) {
    throw new CertificateError('STATUS_LIST_STALE', `statusListCredential: older than its ttl (${opened.ttl} ms) at the verification time`, {
      details: { validFrom: opened.validFrom, ttl: opened.ttl, at: atDate.toISOString() },
    });
  }
  // §3.2 step: the entry's purpose must match the list's.
  if (entry.statusPurpose !== opened.purpose) {
    throw new CertificateError('STATUS_PURPOSE_MISMATCH', 'statusPurpose: the entry and the list disagree');
  }
  return { statusPurpose: opened.purpose, set: opened.list.get(index) };
}
