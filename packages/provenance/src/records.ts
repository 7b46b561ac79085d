/**
 * Ledger records (DESIGN.md "The ledger"): `{ v, index, type, time, actor, prev, payload, sig }`,
 * signed by the actor with Ed25519 over the RFC 8785 canonical form of the record without
 * `sig`; the Merkle leaf is the canonical form of the whole signed record.
 *
 * Untrusted records are parsed once, here, with a payload size limit ({@link parseRecord});
 * everything deeper works on the typed, checked value.
 */
import {
  canonicalize,
  didKeyFromPublicKey,
  getPublicKey,
  isDataLedgerError,
  parseJson,
  publicKeyFromDidKey,
  sign,
  toBase64,
  toBase64Url,
  verify,
  type JsonValue,
} from '@dataledger/core';
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { provenanceError } from './errors.ts';
import type { SignatureCheck } from './verify-pool.ts';

/** A JSON object payload. */
export type RecordPayload = { [key: string]: JsonValue };

/** A signed ledger record. */
export interface LedgerRecord<P extends RecordPayload = RecordPayload> {
  /** Format version, always 1. */
  v: 1;
  /** Position in the log, from 0. */
  index: number;
  /** Domain record type, e.g. `asset.registered`. */
  type: string;
  /** RFC 3339 UTC time with milliseconds (`Date#toISOString` form). */
  time: string;
  /** The signer's Ed25519 `did:key`. */
  actor: string;
  /** Standard base64 of the previous record's leaf hash; `""` for index 0. */
  prev: string;
  /** Domain payload (a JSON object). */
  payload: P;
  /** base64url (unpadded) Ed25519 signature over the canonical record without `sig`. */
  sig: string;
}

/** A record before it is signed. */
export type UnsignedRecord<P extends RecordPayload = RecordPayload> = Omit<LedgerRecord<P>, 'sig'>;

/** The state of a log that writers need to build the next record. */
export interface LogHead {
  /** Number of records. */
  size: number;
  /** RFC 9162 root hash of the tree of `size` leaves. */
  rootHash: Uint8Array;
  /** Leaf hash of the last record, `null` when empty. */
  lastLeafHash: Uint8Array | null;
  /** Time of the last record, `null` when empty. */
  lastTime: string | null;
}

/** Limits applied when parsing untrusted records. */
export interface RecordLimits {
  /** Maximum UTF-8 size of the canonical payload. Default {@link DEFAULT_MAX_PAYLOAD_BYTES}. */
  maxPayloadBytes?: number;
}

/** Default payload size limit: 64 KiB of canonical JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 65_536;

const RECORD_KEYS = ['actor', 'index', 'payload', 'prev', 'sig', 'time', 'type', 'v'];
const TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Exactly the canonical encodings: 32 bytes in padded base64 leave the last symbol's two low
// bits zero; 64 bytes in unpadded base64url leave its four low bits zero (RFC 4648 §3.5).
const PREV_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const SIG_RE = /^[A-Za-z0-9_-]{85}[AQgw]$/;

// did:key decoding (base58) costs more than hashing a record; ledgers have few actors.
const ACTOR_CACHE_MAX = 4096;
const actorKeys = new LRUCache<string, Uint8Array>({ max: ACTOR_CACHE_MAX });

/**
 * The Ed25519 public key of a record's `actor`.
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED` when the actor is not an Ed25519 did:key
 */
export function actorPublicKey(actor: string): Uint8Array {
  // A copy: the cached key must not be changeable by a caller.
  return actorKey(actor).slice();
}

/** {@link actorPublicKey} without the copy, for internal callers that never hand the key out. */
function actorKey(actor: string): Uint8Array {
  let pk = actorKeys.get(actor);
  if (pk === undefined) {
    if (typeof actor !== 'string' || actor.includes('#')) {
      throw provenanceError('LEDGER_RECORD_MALFORMED', 'actor: not an Ed25519 did:key', { field: 'actor' });
    }
    try {
      pk = publicKeyFromDidKey(actor);
    } catch (cause) {
      throw provenanceError('LEDGER_RECORD_MALFORMED', 'actor: not an Ed25519 did:key', { field: 'actor' }, cause);
    }
    actorKeys.set(actor, pk);
  }
  return pk;
}

function malformed(field: string, message: string, cause?: unknown): Error {
  return provenanceError('LEDGER_RECORD_MALFORMED', `record.${field}: ${message}`, { field }, cause);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const num = (t: string, a: number, b: number): number => {
  let n = 0;
  for (let i = a; i < b; i++) n = n * 10 + (t.charCodeAt(i) - 48);
  return n;
};

function checkTime(time: unknown): asserts time is string {
  if (typeof time !== 'string' || !TIME_RE.test(time)) throw malformed('time', 'expected RFC 3339 UTC with milliseconds');
  // Calendar check without a Date round trip (this runs once per replayed record). Leap
  // seconds (:60) are refused, as Date#toISOString never produces them.
  const y = num(time, 0, 4);
  const mo = num(time, 5, 7);
  const d = num(time, 8, 10);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : (DAYS[mo - 1] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > days || num(time, 11, 13) > 23 || num(time, 14, 16) > 59 || num(time, 17, 19) > 59) {
    throw malformed('time', 'not a valid date');
  }
}

/**
 * The canonical texts of a record: without `sig` (what the actor signs) and with it (the leaf).
 * Both are RFC 8785 forms; the member order is fixed (actor, index, payload, prev, sig, time,
 * type, v sort by UTF-16 code units, §3.2.3), so only the payload needs the general algorithm.
 */
export interface RecordTexts {
  /** Canonical JSON of the record without `sig`. */
  signing: string;
  /** Canonical JSON of the signed record (the leaf data, before UTF-8 encoding). */
  leaf: string;
  /** Canonical JSON of the payload. */
  payload: string;
  /**
   * Where the `,"sig":"…"` member starts in `leaf` (-1 when unsigned). The signing text is
   * the leaf text without that member.
   */
  sigAt: number;
}

function texts(r: UnsignedRecord, sig: string | undefined, payloadText: string): RecordTexts {
  // All fields other than payload and type are ASCII by construction; JSON.stringify of a
  // string without lone surrogates is its RFC 8785 §3.2.2.2 form.
  const head = `{"actor":${JSON.stringify(r.actor)},"index":${r.index},"payload":${payloadText},"prev":${JSON.stringify(r.prev)}`;
  const tail = `"time":${JSON.stringify(r.time)},"type":${JSON.stringify(r.type)},"v":1}`;
  return {
    signing: `${head},${tail}`,
    leaf: sig === undefined ? '' : `${head},"sig":${JSON.stringify(sig)},${tail}`,
    payload: payloadText,
    sigAt: sig === undefined ? -1 : head.length,
  };
}

/** Length of the `,"sig":"…"` member of a checked record (SIG_RE: 86 symbols). */
const SIG_MEMBER_LENGTH = ',"sig":"'.length + 86 + 1;
/** Same nesting limit as `canonicalize` (a deeper payload has no canonical form there). */
const MAX_DEPTH = 512;

/** True when every object in `v` lists its members in RFC 8785 §3.2.3 order (UTF-16 code units). */
function membersSorted(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!membersSorted(v[i], depth + 1)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  for (let i = 0; i < keys.length; i++) if (!membersSorted(o[keys[i]!], depth + 1)) return false;
  return true;
}

/**
 * The canonical texts of a record taken straight from the JSON text it was parsed from, when
 * that text is already canonical (as exported bundles are); null otherwise. Canonical means:
 * the text is `JSON.stringify` of its own parse (no whitespace, ECMAScript number form and
 * string escapes, members in text order, RFC 8785 §3.2.2) and every object's members are
 * sorted (§3.2.3). Escaped surrogates are left to `canonicalize`, which refuses lone ones.
 * The fields must already have passed {@link checkRecord}'s checks.
 */
function canonicalLineTexts(
  line: string,
  value: Record<string, unknown>,
  keys: string[],
  r: Omit<LedgerRecord, 'payload'>,
  payload: unknown,
): RecordTexts | null {
  for (let i = 0; i < RECORD_KEYS.length; i++) if (keys[i] !== RECORD_KEYS[i]) return null;
  // membersSorted first: it also bounds the nesting depth before JSON.stringify recurses.
  if (!membersSorted(payload, 0) || line.includes('\\ud') || JSON.stringify(value) !== line) return null;
  // Every member but the payload is ASCII without escapes (checked by the regexes above),
  // so the member offsets follow from the field lengths.
  const tailLength = ',"time":"'.length + r.time.length + '","type":"'.length + r.type.length + '","v":1}'.length;
  const sigAt = line.length - tailLength - SIG_MEMBER_LENGTH;
  const prevAt = sigAt - ',"prev":""'.length - r.prev.length;
  const payloadAt = '{"actor":"'.length + r.actor.length + '","index":'.length + String(r.index).length + ',"payload":'.length;
  if (prevAt < payloadAt || !line.startsWith(',"payload":', payloadAt - 11) || !line.startsWith(',"prev":', prevAt) || !line.startsWith(',"sig":"', sigAt)) {
    return null;
  }
  return {
    signing: line.slice(0, sigAt) + line.slice(sigAt + SIG_MEMBER_LENGTH),
    leaf: line,
    payload: line.slice(payloadAt, prevAt),
    sigAt,
  };
}

/**
 * Refuses a canonical payload text longer than the limit.
 * @throws DataLedgerError `LEDGER_PAYLOAD_TOO_LARGE` (details `field`, `bytes`, `limit`)
 */
export function checkPayloadSize(payloadText: string, limit: number): void {
  // UTF-8 is at most 3 bytes per UTF-16 unit; measure exactly only when it could matter.
  if (payloadText.length * 3 > limit) {
    const bytes = Buffer.byteLength(payloadText, 'utf8');
    if (bytes > limit) {
      throw provenanceError('LEDGER_PAYLOAD_TOO_LARGE', `record.payload: ${bytes} bytes exceeds the limit of ${limit}`, {
        field: 'payload',
        bytes,
        limit,
      });
    }
  }
}

/** The payload text is canonical and already measured: no size limit when copying it. */
const PAYLOAD_COPY = { maxBytes: Infinity } as const;

/** A record checked at the edge, with its canonical texts computed once. */
export interface CheckedRecord {
  record: LedgerRecord;
  texts: RecordTexts;
}

/**
 * Checks the shape of an untrusted record (not its signature or its place in a log) and
 * computes its canonical texts. The returned record is a fresh copy unless `copy` is false.
 * @param line - the JSON text `value` was just parsed from (`JSON.parse`), if any: when it is
 *   already canonical its slices are the texts, with no second serialisation
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`
 */
export function checkRecord(value: unknown, maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES, copy = true, line?: string): CheckedRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed('', 'expected an object');
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== RECORD_KEYS.length || !RECORD_KEYS.every((k) => Object.hasOwn(o, k))) {
    throw malformed('', `expected exactly the members ${RECORD_KEYS.join(', ')}`);
  }
  if (o.v !== 1) throw malformed('v', 'expected 1');
  const index = o.index;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw malformed('index', 'expected a non-negative safe integer');
  const type = o.type;
  if (typeof type !== 'string' || !TYPE_RE.test(type)) throw malformed('type', 'expected 1-128 characters of [A-Za-z0-9._:/-]');
  // Each member is read once: a getter could answer differently to the check and the copy.
  const time = o.time;
  checkTime(time);
  const actor = o.actor;
  if (typeof actor !== 'string' || actor.length > 128) throw malformed('actor', 'expected a did:key');
  actorKey(actor);
  const prev = o.prev;
  if (typeof prev !== 'string') throw malformed('prev', 'expected a string');
  if (index === 0) {
    if (prev !== '') throw malformed('prev', 'must be empty for index 0');
  } else {
    if (!PREV_RE.test(prev)) throw malformed('prev', 'expected canonical base64 of a 32-byte hash');
  }
  const sig = o.sig;
  if (typeof sig !== 'string' || !SIG_RE.test(sig)) throw malformed('sig', 'expected canonical base64url of 64 bytes');
  const payload = o.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw malformed('payload', 'expected an object');
  // A bundle line is usually canonical already: then its texts are slices of it.
  const fromLine = line === undefined ? null : canonicalLineTexts(line, o, keys, { v: 1, index, type, time, actor, prev, sig }, payload);
  let payloadText: string;
  if (fromLine !== null) {
    payloadText = fromLine.payload;
  } else {
    try {
      payloadText = canonicalize(payload);
    } catch (cause) {
      throw malformed('payload', 'not JSON-serialisable', cause);
    }
  }
  checkPayloadSize(payloadText, maxPayloadBytes);
  const record: LedgerRecord = {
    v: 1,
    index,
    type,
    time,
    actor,
    prev,
    // A fresh copy when the caller still holds the input; a value just parsed from JSON is
    // already private. Read back from the canonical text with the safe reader: JSON.parse may
    // misread escaped member names once V8's name cache is poisoned (nodejs/node#63785).
    payload: copy ? (parseJson(payloadText, PAYLOAD_COPY) as RecordPayload) : (payload as RecordPayload),
    sig,
  };
  return { record, texts: fromLine ?? texts(record, sig, payloadText) };
}

/**
 * Parses an untrusted record (an object, or its JSON text or UTF-8 bytes): exact member set,
 * `v` = 1, safe non-negative `index`, `type` of `[A-Za-z0-9._:/-]`, RFC 3339 UTC `time`
 * with milliseconds, Ed25519 `did:key` actor, `prev` empty exactly at index 0 and otherwise
 * base64 of 32 bytes, base64url 64-byte `sig`, JSON object payload within the size limit.
 * The signature itself is checked by {@link verifyRecordSignature}.
 * @param value - the untrusted value
 * @param limits - `maxPayloadBytes` (default 64 KiB of canonical JSON)
 * @returns a fresh, typed record
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`
 */
export function parseRecord(value: unknown, limits: RecordLimits = {}): LedgerRecord {
  const max = limits.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) throw new RangeError('limits.maxPayloadBytes: expected a non-negative integer');
  let v = value;
  if (v instanceof Uint8Array) {
    if (v.length > max * 2 + 4096) throw provenanceError('LEDGER_PAYLOAD_TOO_LARGE', 'record: input too large', { bytes: v.length });
    try {
      v = new TextDecoder('utf-8', { fatal: true }).decode(v);
    } catch (cause) {
      throw malformed('', 'not UTF-8', cause);
    }
  }
  if (typeof v === 'string') {
    if (v.length > max * 2 + 4096) throw provenanceError('LEDGER_PAYLOAD_TOO_LARGE', 'record: input too large', { length: v.length });
    try {
      // The safe reader: immune to nodejs/node#63785, duplicate member names refused (RFC 7493 §2.3).
      v = parseJson(v, { maxBytes: Infinity });
    } catch (cause) {
      if (!isDataLedgerError(cause)) throw cause;
      throw malformed('', 'not I-JSON', cause);
    }
  }
  return checkRecord(v, max).record;
}

/**
 * Canonical texts of a record already checked (only `v` and `index` are re-checked here).
 * @throws TypeError when `v` is not 1, `index` not a non-negative safe integer, or the payload has no JSON form
 */
export function recordTexts(record: LedgerRecord | UnsignedRecord): RecordTexts {
  // `index` and `v` are printed, not escaped: refuse values whose printed form would be the
  // text of another record (index "0" prints as 0, and v is always printed as 1).
  if (record.v !== 1) throw new TypeError('record.v: expected 1');
  if (typeof record.index !== 'number' || !Number.isSafeInteger(record.index) || record.index < 0) {
    throw new TypeError('record.index: expected a non-negative safe integer');
  }
  const sig = (record as Partial<LedgerRecord>).sig;
  return texts(record, sig, canonicalize(record.payload));
}

// Deriving a did:key (public key + base58) costs more than a signature; signers are few.
const signerDids = new LRUCache<string, string>({ max: ACTOR_CACHE_MAX });
function didOfSecretKey(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array)) throw new TypeError('secretKey: expected a Uint8Array');
  // Keyed by a hash, so the cache holds no secret material.
  const id = createHash('sha256').update(secretKey).digest('base64');
  let did = signerDids.get(id);
  if (did === undefined) {
    did = didKeyFromPublicKey(getPublicKey(secretKey));
    signerDids.set(id, did);
  }
  return did;
}

/**
 * Signs a record as its actor: Ed25519 over the canonical (RFC 8785) record without `sig`.
 * @param unsigned - the record fields; `actor` must be the did:key of `secretKey`
 * @param secretKey - the actor's 32-byte Ed25519 seed
 * @returns the signed record (a new object)
 * @throws TypeError when `actor` is not the did:key of `secretKey`
 */
export function signRecord<P extends RecordPayload>(unsigned: UnsignedRecord<P>, secretKey: Uint8Array): LedgerRecord<P> {
  if (didOfSecretKey(secretKey) !== unsigned.actor) throw new TypeError('unsigned.actor: not the did:key of secretKey');
  const base: UnsignedRecord<P> = {
    v: 1,
    index: unsigned.index,
    type: unsigned.type,
    time: unsigned.time,
    actor: unsigned.actor,
    prev: unsigned.prev,
    payload: unsigned.payload,
  };
  const t = recordTexts(base);
  const sig = toBase64Url(sign(Buffer.from(t.signing, 'utf8'), secretKey));
  return { ...base, sig };
}

/**
 * Builds and signs the next record for a log with the given head.
 * @param head - the log's `size` and `lastLeafHash`
 * @param fields - `type`, `payload` and optionally `time` (default now)
 * @param signer - the actor's secret key; `actor` becomes its did:key
 * @returns the signed record
 */
export function buildRecord<P extends RecordPayload>(
  head: Pick<LogHead, 'size' | 'lastLeafHash'>,
  fields: { type: string; payload: P; time?: string },
  signer: { secretKey: Uint8Array },
): LedgerRecord<P> {
  const actor = didOfSecretKey(signer.secretKey);
  const prev = head.lastLeafHash === null ? '' : toBase64(head.lastLeafHash);
  return signRecord<P>(
    { v: 1, index: head.size, type: fields.type, time: fields.time ?? new Date().toISOString(), actor, prev, payload: fields.payload },
    signer.secretKey,
  );
}

/** Where a chain starts: the head of the log it will extend (a {@link LogHead} fits). */
export interface ChainHead {
  /** Number of records in the log: the first built record gets this index. */
  size: number;
  /** Leaf hash of the log's last record; `null` when the log is empty. */
  lastLeafHash: Uint8Array | null;
  /** Time of the log's last record, if known: built times never go before it. */
  lastTime?: string | null;
}

/** One record to build: its content and the actor who signs it. */
export interface ChainDraft<P extends RecordPayload = RecordPayload> {
  type: string;
  payload: P;
  /** RFC 3339 time (`Date#toISOString` form); default now, or the previous time if later. */
  time?: string;
  /** The actor's secret key (32-byte Ed25519 seed); `actor` becomes its did:key. */
  signer: { secretKey: Uint8Array };
}

function checkChainHead(head: ChainHead): void {
  if (head === null || typeof head !== 'object') throw new TypeError('head: expected { size, lastLeafHash }');
  const { size, lastLeafHash, lastTime } = head;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('head.size: expected a non-negative safe integer');
  if (lastLeafHash !== null && !(lastLeafHash instanceof Uint8Array && lastLeafHash.length === 32)) {
    throw new TypeError('head.lastLeafHash: expected a 32-byte hash or null');
  }
  // DESIGN.md, the ledger: record 0 has prev "", every later record the previous leaf hash.
  if ((size === 0) !== (lastLeafHash === null)) throw new RangeError('head: lastLeafHash must be null exactly when size is 0');
  if (lastTime !== undefined && lastTime !== null && (typeof lastTime !== 'string' || !TIME_RE.test(lastTime) || Number.isNaN(Date.parse(lastTime)))) {
    throw new TypeError('head.lastTime: expected an RFC 3339 time such as 2026-01-01T00:00:00.000Z, or null');
  }
}

/**
 * Builds and signs a chain of records extending a log's head: record i gets index
 * `head.size + i` and the leaf hash of the record before it as `prev`, and is signed by its
 * draft's signer (DESIGN.md, the ledger). A default time is now, but never before the head's
 * last time or the previous record's, since the log refuses time going backwards.
 * @param head - the head of the log the chain extends
 * @param drafts - type, payload, optional time and signer of each record, in order
 * @returns the signed records, in order
 * @throws TypeError or RangeError for a malformed head (a size that is not a non-negative
 *   integer, a leaf hash that is not 32 bytes or not null exactly for the empty log), a draft
 *   without a type, payload or signer, or a draft time before the time preceding it
 */
export function buildChain<P extends RecordPayload = RecordPayload>(head: ChainHead, drafts: readonly ChainDraft<P>[]): LedgerRecord<P>[] {
  checkChainHead(head);
  if (!Array.isArray(drafts)) throw new TypeError('drafts: expected an array');
  const out: LedgerRecord<P>[] = [];
  let size = head.size;
  let last = head.lastLeafHash;
  let floor = head.lastTime ?? null;
  drafts.forEach((d, i) => {
    if (d === null || typeof d !== 'object' || typeof d.type !== 'string' || d.payload === null || typeof d.payload !== 'object') {
      throw new TypeError(`drafts[${i}]: expected { type, payload, signer }`);
    }
    if (d.signer === null || typeof d.signer !== 'object' || !(d.signer.secretKey instanceof Uint8Array))
      throw new TypeError(`drafts[${i}].signer: expected { secretKey }`);
    let time = d.time;
    if (time === undefined) {
      const now = new Date().toISOString();
      time = floor !== null && floor > now ? floor : now;
    } else if (floor !== null && Date.parse(time) < Date.parse(floor)) {
      throw new RangeError(`drafts[${i}].time: ${time} is before ${floor}`);
    }
    const r = buildRecord<P>({ size, lastLeafHash: last }, { type: d.type, payload: d.payload, time }, d.signer);
    out.push(r);
    size++;
    last = recordLeafHash(r);
    floor = time;
  });
  return out;
}

function verifyTexts(record: LedgerRecord, signing: string): boolean {
  let pk: Uint8Array;
  let sig: Uint8Array;
  try {
    pk = actorKey(record.actor);
    if (typeof record.sig !== 'string' || !SIG_RE.test(record.sig)) return false;
    // SIG_RE admits only canonical base64url of 64 bytes, so Node's lenient decoder is exact here.
    sig = Buffer.from(record.sig, 'base64url');
  } catch {
    return false;
  }
  return verify(sig, Buffer.from(signing, 'utf8'), pk);
}

/**
 * Checks a record's actor signature.
 * @returns true when `record` is a well-formed record (as {@link parseRecord} checks it, without
 *   a payload size limit) and `sig` is the actor's Ed25519 signature over its canonical form
 *   without `sig`; false otherwise (a malformed record, an undecodable actor or signature)
 */
export function verifyRecordSignature(record: LedgerRecord): boolean {
  // The canonical texts are built from the fields the format defines; a value with another
  // `v`, extra members or a non-numeric `index` would otherwise be judged by the text of a
  // different record (e.g. index "0" prints as 0), so only well-formed records can verify.
  let checked: CheckedRecord;
  try {
    checked = checkRecord(record, Number.MAX_SAFE_INTEGER, false);
  } catch {
    return false;
  }
  return verifyTexts(checked.record, checked.texts.signing);
}

/** Checks the signature of a record whose texts are already computed. */
export function verifyCheckedRecord(checked: CheckedRecord): boolean {
  return verifyTexts(checked.record, checked.texts.signing);
}

// 0x00 ‖ UTF-8 of a leaf text, reused from record to record: nothing keeps a view of it past
// the synchronous call that fills it.
let scratch: Buffer = Buffer.allocUnsafe(16_384);
const SIG_MEMBER_PREFIX = Buffer.from(',"sig":"', 'latin1');

/**
 * The leaf hash of a checked record and, when `check` is true, its signature check, from one
 * UTF-8 encoding of the leaf text: the signed bytes are the leaf bytes without the
 * `,"sig":"…"` member, and everything after that member is ASCII (time, type, v), so its
 * byte offset follows from the character offset of the tail.
 * @returns the leaf hash (RFC 9162 §2.1.1) and whether the actor signature verifies (true when not checked)
 */
export function hashAndVerifyChecked(checked: CheckedRecord, check: boolean): { leaf: Uint8Array; ok: boolean } {
  const { record, texts: t } = checked;
  const text = t.leaf;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const need = text.length * 3 + 1;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  scratch[0] = 0;
  const end = 1 + scratch.write(text, 1, 'utf8');
  const h = hash('sha256', scratch.subarray(0, end), 'buffer');
  const leaf = new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  if (!check) return { leaf, ok: true };
  const sigAt = end - (text.length - t.sigAt);
  if (t.sigAt < 0 || scratch.compare(SIG_MEMBER_PREFIX, 0, SIG_MEMBER_PREFIX.length, sigAt, sigAt + SIG_MEMBER_PREFIX.length) !== 0) {
    // Not the layout checkRecord produces: take the text path.
    return { leaf, ok: verifyTexts(record, t.signing) };
  }
  scratch.copyWithin(sigAt, sigAt + SIG_MEMBER_LENGTH, end);
  const message = scratch.subarray(1, end - SIG_MEMBER_LENGTH);
  // checkRecord matched SIG_RE: canonical base64url of 64 bytes, which Node decodes exactly.
  return { leaf, ok: verify(Buffer.from(record.sig, 'base64url'), message, actorKey(record.actor)) };
}

/**
 * The signature check of a record whose texts are computed (for a parallel `SignatureVerifier`).
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED` when the actor is not a did:key
 */
export function signatureCheckOf(checked: CheckedRecord): SignatureCheck {
  const sig = checked.record.sig;
  return {
    message: Buffer.from(checked.texts.signing, 'utf8'),
    signature: SIG_RE.test(sig) ? Buffer.from(sig, 'base64url') : new Uint8Array(0),
    publicKey: actorPublicKey(checked.record.actor),
  };
}

/**
 * The Merkle leaf data of a record: UTF-8 of its canonical JSON, `sig` included.
 * @throws TypeError when the payload has no JSON form
 */
export function recordLeafData(record: LedgerRecord): Uint8Array {
  const b = Buffer.from(recordTexts(record).leaf, 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** SHA-256(0x00 ‖ text) without an intermediate copy (RFC 9162 §2.1.1 leaf hash). */
export function leafHashOfText(leafText: string): Uint8Array {
  // One-shot hashing (no Hash object) of "\0" + text: the U+0000 prefix is the 0x00 byte.
  const b = hash('sha256', `\u0000${leafText}`, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The RFC 9162 leaf hash of a record: SHA-256(0x00 ‖ {@link recordLeafData}).
 * @throws TypeError when the payload has no JSON form
 */
export function recordLeafHash(record: LedgerRecord): Uint8Array {
  return leafHashOfText(recordTexts(record).leaf);
}

/**
 * A record checked at a trust boundary: its shape ({@link checkRecord}), its canonical texts,
 * its RFC 9162 leaf hash and its actor's signature. Only {@link verifySignedRecord} makes one
 * (it is remembered in a module-private set), so `Log.appendBatch` can take it without
 * checking the signature again.
 */
export interface VerifiedRecord extends CheckedRecord {
  /** SHA-256(0x00 ‖ UTF-8 of `texts.leaf`) (RFC 9162 §2.1.1). */
  readonly leafHash: Uint8Array;
}

const verifiedRecords = new WeakSet<object>();

/**
 * Parses an untrusted record value once and checks its actor signature: one canonicalisation
 * and one leaf hash, shared by everything downstream. The record is frozen (its fields are the
 * ones signed), and its payload is a private copy.
 * @param value - an untrusted record value (already parsed from JSON by a safe reader)
 * @param maxPayloadBytes - payload limit, bytes of canonical JSON
 * @param position - where the record sits in its submission (error details)
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`, `LEDGER_SIGNATURE_INVALID`
 */
export function verifySignedRecord(value: unknown, maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES, position = 0): VerifiedRecord {
  return verifiedOf(checkRecord(value, maxPayloadBytes), true, position);
}

function verifiedOf(checked: CheckedRecord, checkSignature: boolean, position: number): VerifiedRecord {
  const { leaf, ok } = hashAndVerifyChecked(checked, checkSignature);
  if (!ok) {
    throw provenanceError('LEDGER_SIGNATURE_INVALID', `record ${checked.record.index}: not a valid signature by ${checked.record.actor}`, {
      index: checked.record.index,
      position,
    });
  }
  Object.freeze(checked.record);
  const verified: VerifiedRecord = Object.freeze({ record: checked.record, texts: Object.freeze(checked.texts), leafHash: leaf });
  verifiedRecords.add(verified);
  return verified;
}

/** Bytes of a vouch tag: HMAC-SHA-256. */
export const VOUCH_TAG_LENGTH = 32;

/** The HMAC-SHA-256 of the canonical texts of `leaves`, each prefixed by its UTF-8 length (uint32, big-endian). */
function vouchTag(leaves: readonly string[], key: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length < 32) throw new TypeError('key: expected at least 32 bytes');
  const mac = createHmac('sha256', key);
  const len = Buffer.alloc(4);
  for (const text of leaves) {
    const bytes = Buffer.from(text, 'utf8');
    len.writeUInt32BE(bytes.length, 0);
    mac.update(len).update(bytes);
  }
  return mac.digest();
}

/**
 * Vouches for records this process has verified, to another process holding the same secret
 * (the instances of one log): an HMAC-SHA-256 over their canonical texts, in order. With it,
 * {@link verifyVouchedRecords} takes them without checking their signatures again.
 * @param records - records made by {@link verifySignedRecord} (or vouched for in turn)
 * @param key - the shared secret, at least 32 bytes (never the log's signing key itself: derive one)
 * @returns the 32-byte tag
 * @throws TypeError when a record was not verified here, or the key is short
 */
export function vouchRecords(records: readonly VerifiedRecord[], key: Uint8Array): Uint8Array {
  for (const r of records) if (!isVerifiedRecord(r)) throw new TypeError('records: only verified records can be vouched for');
  return new Uint8Array(
    vouchTag(
      records.map((r) => r.texts.leaf),
      key,
    ),
  );
}

/**
 * Parses untrusted record values as {@link verifySignedRecord} does, and checks their actor
 * signatures only if `tag` is not {@link vouchRecords}' tag of exactly these records under
 * `key`: a peer holding the key checked them already. Any difference in any record (or a
 * missing or wrong tag) means every signature is checked, so a wrong tag costs time, never
 * safety.
 * @param values - untrusted record values (parsed from JSON by a safe reader)
 * @param tag - the vouch tag that came with them, if any
 * @param key - the shared secret the tag was made with
 * @param maxPayloadBytes - payload limit, bytes of canonical JSON
 * @returns the verified records, in order
 * @throws DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`, `LEDGER_SIGNATURE_INVALID`
 *   (with `details.position`), as {@link verifySignedRecord}
 */
export function verifyVouchedRecords(
  values: readonly unknown[],
  tag: Uint8Array | undefined,
  key: Uint8Array,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): VerifiedRecord[] {
  const checked = values.map((v) => checkRecord(v, maxPayloadBytes));
  const expected = vouchTag(
    checked.map((c) => c.texts.leaf),
    key,
  );
  const vouched = tag instanceof Uint8Array && tag.length === VOUCH_TAG_LENGTH && timingSafeEqual(expected, tag);
  return checked.map((c, position) => verifiedOf(c, !vouched, position));
}

/** True when `value` was made by {@link verifySignedRecord} (its signature needs no second check). */
export function isVerifiedRecord(value: unknown): value is VerifiedRecord {
  return typeof value === 'object' && value !== null && verifiedRecords.has(value);
}
