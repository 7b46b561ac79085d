/**
 * Checkpoints: C2SP `tlog-checkpoint` note bodies, signed as C2SP `signed-note`s with
 * Ed25519 (signature type 0x01), and witness cosignatures (C2SP `tlog-cosignature`,
 * timestamped Ed25519, signature type 0x04).
 *
 * - Note: text ending in a newline, a blank line, then lines `— <name> base64(keyID ‖ sig)`.
 * - Key ID: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian uint32.
 * - Verifier key ("vkey"): `<name>+<hex key ID>+base64(type ‖ public key)`.
 * - Verifiers ignore signatures by unknown keys (so logs can rotate keys and witnesses can
 *   cosign); a known key whose signature fails rejects the note (signed-note §Signatures).
 */
import { equalBytes, fromBase64, getPublicKey, sign, toBase64, toHex, verify } from '@dataledger/core';
import { createHash } from 'node:crypto';
import { provenanceError } from './errors.ts';

/** A transparency log checkpoint (C2SP tlog-checkpoint note text). */
export interface Checkpoint {
  /** Log identity, first line (non-empty; no newline). */
  origin: string;
  /** Tree size. */
  size: number;
  /** RFC 9162 root hash, 32 bytes. */
  rootHash: Uint8Array;
  /** Opaque, non-empty extension lines (NOT RECOMMENDED by the spec). */
  extensions?: string[];
}

/** A note signer: a key name and an Ed25519 seed. */
export interface NoteSigner {
  /** Key name: non-empty, no spaces, no `+` (for a log, its origin). */
  name: string;
  /** 32-byte Ed25519 seed. */
  secretKey: Uint8Array;
}

/** A parsed verifier key. */
export interface ParsedVerifierKey {
  name: string;
  /** 4-byte key ID. */
  keyId: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** Signature type: 0x01 (Ed25519 note signature) or 0x04 (tlog cosignature/v1). */
  type: number;
}

/** Signature type of Ed25519 note signatures (signed-note). */
export const NOTE_TYPE_ED25519 = 0x01;
/** Signature type of timestamped Ed25519 cosignatures (tlog-cosignature). */
export const NOTE_TYPE_COSIGNATURE_V1 = 0x04;

/** Largest note accepted, in UTF-16 units (a checkpoint with 100 cosignatures is ~12 KB). */
export const MAX_NOTE_LENGTH = 1_000_000;
/** Most signature lines accepted in one note (signed-note: at least 16 MUST be accepted). */
export const MAX_NOTE_SIGNATURES = 100;

const EM_DASH_PREFIX = '\u2014 ';
// signed-note §Format: no ASCII control characters other than newline.
const CONTROL_RE = /[\u0000-\u0009\u000B-\u001F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Key names: non-empty, no Unicode spaces, no plus (signed-note §Format). "Unicode spaces" are
// the White_Space characters (Go's unicode.IsSpace, which sumdb/note uses). Not JS `\s`: it
// also matches U+FEFF, which is not a space, and a valid witness name must not make a note
// malformed. Control characters are refused too (a note may not contain them).
const NAME_BAD_RE = /[+\u0000-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/u;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

function isKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 1024 && !NAME_BAD_RE.test(name) && !LONE_SURROGATE.test(name);
}

function checkName(name: unknown, param: string): asserts name is string {
  if (!isKeyName(name)) throw new TypeError(`${param}: a key name must be non-empty, without spaces or '+'`);
}

function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * The C2SP key ID: SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4].
 * @param name - the key name
 * @param publicKey - 32-byte Ed25519 public key
 * @param type - signature type, 0x01 (default, note signatures) or 0x04 (cosignatures)
 */
export function noteKeyId(name: string, publicKey: Uint8Array, type: number = NOTE_TYPE_ED25519): Uint8Array {
  checkName(name, 'name');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('publicKey: expected 32 bytes');
  const h = createHash('sha256')
    .update(bytesOf(name))
    .update(new Uint8Array([0x0a, type]))
    .update(publicKey)
    .digest();
  return new Uint8Array(h.subarray(0, 4));
}

function vkeyOf(name: string, publicKey: Uint8Array, type: number): string {
  const material = new Uint8Array(33);
  material[0] = type;
  material.set(publicKey, 1);
  return `${name}+${toHex(noteKeyId(name, publicKey, type))}+${toBase64(material)}`;
}

/**
 * The C2SP verifier key of an Ed25519 note signer: `name+hex(keyID)+base64(0x01 ‖ publicKey)`.
 * @param name - the key name (for a log, its origin)
 * @param publicKey - 32-byte Ed25519 public key
 */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  return vkeyOf(name, publicKey, NOTE_TYPE_ED25519);
}

/**
 * The verifier key of a witness cosigner (tlog-cosignature): `name+hex(keyID)+base64(0x04 ‖ publicKey)`.
 * @param name - the cosigner name
 * @param publicKey - 32-byte Ed25519 public key
 */
export function cosignerVerifierKey(name: string, publicKey: Uint8Array): string {
  return vkeyOf(name, publicKey, NOTE_TYPE_COSIGNATURE_V1);
}

/**
 * Parses a verifier key of type 0x01 or 0x04 and checks that its key ID matches.
 * @throws DataLedgerError `CHECKPOINT_KEY_INVALID`
 */
export function parseVerifierKey(vkey: string): ParsedVerifierKey {
  const bad = (why: string, cause?: unknown): Error => provenanceError('CHECKPOINT_KEY_INVALID', `vkey: ${why}`, undefined, cause);
  if (typeof vkey !== 'string' || vkey.length > 2048) throw bad('expected a string');
  const a = vkey.indexOf('+');
  const b = a < 0 ? -1 : vkey.indexOf('+', a + 1);
  if (a < 0 || b < 0) throw bad('expected name+keyid+key');
  const name = vkey.slice(0, a);
  const hash = vkey.slice(a + 1, b);
  if (!isKeyName(name)) throw bad('bad key name');
  if (!/^[0-9a-f]{8}$/.test(hash)) throw bad('key ID must be 8 lower-case hex digits');
  let material: Uint8Array;
  try {
    material = fromBase64(vkey.slice(b + 1));
  } catch (cause) {
    throw bad('key material is not base64', cause);
  }
  const type = material[0];
  if (material.length !== 33 || (type !== NOTE_TYPE_ED25519 && type !== NOTE_TYPE_COSIGNATURE_V1)) {
    throw bad('only Ed25519 keys (type 0x01 or 0x04) are supported');
  }
  const publicKey = material.slice(1);
  const keyId = noteKeyId(name, publicKey, type);
  if (toHex(keyId) !== hash) throw bad('key ID does not match the key');
  return { name, keyId, publicKey, type };
}

function checkNoteText(text: string, what: string): void {
  if (text.length > MAX_NOTE_LENGTH) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', `${what}: too large`);
  if (CONTROL_RE.test(text)) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', `${what}: contains control characters`);
  if (LONE_SURROGATE.test(text)) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', `${what}: not valid UTF-8`);
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  /** Signature bytes after the key ID. */
  signature: Uint8Array;
  /** The whole line without its newline. */
  line: string;
}

/**
 * Splits a signed note into its text and signature lines, without verifying anything.
 * @throws DataLedgerError `CHECKPOINT_NOTE_MALFORMED`
 */
export function splitNote(note: string): { body: string; signatures: NoteSignature[] } {
  if (typeof note !== 'string') throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: expected a string');
  checkNoteText(note, 'note');
  if (!note.endsWith('\n')) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: must end with a newline');
  // signed-note §Format: the text MAY contain empty lines and is separated from the signatures
  // by the last one. The one split rule of the project: certificates and the CLI call this.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: no signatures');
  const body = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: too many signatures');
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(EM_DASH_PREFIX)) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: malformed signature line');
    const parts = line.slice(EM_DASH_PREFIX.length).split(' ');
    if (parts.length !== 2 || !isKeyName(parts[0])) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: malformed signature line');
    let raw: Uint8Array;
    try {
      raw = fromBase64(parts[1]!);
    } catch (cause) {
      throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: signature is not base64', undefined, cause);
    }
    if (raw.length < 5) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: signature too short');
    signatures.push({ name: parts[0]!, keyId: raw.slice(0, 4), signature: raw.slice(4), line });
  }
  return { body, signatures };
}

function cosignedMessage(body: string, timestamp: bigint): Buffer {
  return bytesOf(`cosignature/v1\ntime ${timestamp.toString()}\n${body}`);
}

/** Verifies one signature line with a key whose name and ID already match. */
function verifyLine(body: string, sig: NoteSignature, key: ParsedVerifierKey): boolean {
  if (key.type === NOTE_TYPE_ED25519) {
    if (sig.signature.length !== 64) return false;
    return verify(sig.signature, bytesOf(body), key.publicKey);
  }
  // tlog-cosignature: timestamped_signature = u64 timestamp ‖ Ed25519 signature.
  if (sig.signature.length !== 72) return false;
  const ts = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0);
  if (ts > 2n ** 63n - 1n) return false;
  return verify(sig.signature.subarray(8), cosignedMessage(body, ts), key.publicKey);
}

/**
 * Signs a note text with an Ed25519 key (signed-note §Ed25519 signatures).
 * @param body - the note text; must end with a newline
 * @param signer - key name and 32-byte seed
 * @returns the signed note (text, blank line, one signature line)
 * @throws DataLedgerError `CHECKPOINT_NOTE_MALFORMED` for a text that cannot be a note
 */
export function signNote(body: string, signer: NoteSigner): string {
  checkName(signer.name, 'signer.name');
  if (typeof body !== 'string' || !body.endsWith('\n')) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'body: must end with a newline');
  checkNoteText(body, 'body');
  const pk = getPublicKey(signer.secretKey);
  const sig = sign(bytesOf(body), signer.secretKey);
  const raw = new Uint8Array(68);
  raw.set(noteKeyId(signer.name, pk), 0);
  raw.set(sig, 4);
  return `${body}\n${EM_DASH_PREFIX}${signer.name} ${toBase64(raw)}\n`;
}

/** The result of opening a note. */
export interface OpenedNote {
  /** The note text (verified). */
  body: string;
  /** The verifier keys (as given) whose signatures verified. */
  verifiedBy: string[];
}

/**
 * Opens a signed note: verifies the signatures by known keys, ignores the others.
 * @param note - the signed note text
 * @param verifierKeys - trusted vkeys (type 0x01 or 0x04)
 * @returns the text and the keys that signed it
 * @throws DataLedgerError `CHECKPOINT_NOTE_MALFORMED` (structure), `CHECKPOINT_KEY_INVALID`
 *   (a bad vkey), `CHECKPOINT_SIGNATURE_INVALID` (a known key's signature fails, or appears
 *   twice), `CHECKPOINT_UNVERIFIED` (no known key signed)
 */
export function openNote(note: string, verifierKeys: string[]): OpenedNote {
  if (!Array.isArray(verifierKeys)) throw new TypeError('verifierKeys: expected an array of vkeys');
  const keys = verifierKeys.map((k) => ({ vkey: k, key: parseVerifierKey(k) }));
  const { body, signatures } = splitNote(note);
  const verifiedBy: string[] = [];
  const seen = new Set<string>();
  for (const sig of signatures) {
    const match = keys.find((k) => k.key.name === sig.name && equalBytes(k.key.keyId, sig.keyId));
    if (match === undefined) continue; // signed-note: unknown signers are ignored
    if (seen.has(match.vkey)) {
      throw provenanceError('CHECKPOINT_SIGNATURE_INVALID', `note: key ${sig.name} signed twice`, { name: sig.name });
    }
    seen.add(match.vkey);
    if (!verifyLine(body, sig, match.key)) {
      throw provenanceError('CHECKPOINT_SIGNATURE_INVALID', `note: signature by ${sig.name} does not verify`, { name: sig.name });
    }
    verifiedBy.push(match.vkey);
  }
  if (verifiedBy.length === 0) throw provenanceError('CHECKPOINT_UNVERIFIED', 'note: not signed by any trusted key');
  return { body, verifiedBy };
}

/**
 * Formats a checkpoint body (C2SP tlog-checkpoint §Note text).
 * @throws TypeError / RangeError for an origin, size, root or extension that cannot be encoded
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (typeof cp.origin !== 'string' || cp.origin.length === 0 || cp.origin.includes('\n') || CONTROL_RE.test(cp.origin)) {
    throw new TypeError('cp.origin: expected a non-empty line');
  }
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new RangeError('cp.size: expected a non-negative safe integer');
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== 32) throw new TypeError('cp.rootHash: expected 32 bytes');
  let text = `${cp.origin}\n${cp.size}\n${toBase64(cp.rootHash)}\n`;
  for (const ext of cp.extensions ?? []) {
    if (typeof ext !== 'string' || ext.length === 0 || ext.includes('\n') || CONTROL_RE.test(ext)) {
      throw new TypeError('cp.extensions: each must be a non-empty line');
    }
    text += `${ext}\n`;
  }
  return text;
}

/**
 * Parses a checkpoint body: origin, decimal size without leading zeros, base64 32-byte root,
 * optional non-empty extension lines.
 * @throws DataLedgerError `CHECKPOINT_MALFORMED`
 */
export function parseCheckpoint(body: string): Checkpoint {
  const bad = (why: string, cause?: unknown): Error => provenanceError('CHECKPOINT_MALFORMED', `checkpoint: ${why}`, undefined, cause);
  if (typeof body !== 'string' || body.length > MAX_NOTE_LENGTH) throw bad('expected a string');
  if (!body.endsWith('\n')) throw bad('must end with a newline');
  if (CONTROL_RE.test(body) || LONE_SURROGATE.test(body)) throw bad('contains control characters');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('expected origin, size and root hash lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw bad('empty origin');
  if (!SIZE_RE.test(sizeText)) throw bad('size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw bad('size too large');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootText);
  } catch (cause) {
    throw bad('root hash is not base64', cause);
  }
  if (rootHash.length !== 32) throw bad('root hash must be 32 bytes');
  if (extensions.some((e) => e.length === 0)) throw bad('empty extension line');
  const cp: Checkpoint = { origin, size, rootHash };
  if (extensions.length > 0) cp.extensions = extensions;
  return cp;
}

/**
 * Formats and signs a checkpoint as a signed note.
 * @param cp - the checkpoint
 * @param signer - the log key (name conventionally the origin)
 */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), signer);
}

/**
 * Opens a signed checkpoint with trusted verifier keys.
 * @returns the parsed checkpoint and the keys that verified it
 * @throws DataLedgerError as {@link openNote}, and `CHECKPOINT_MALFORMED`
 */
export function openCheckpoint(note: string, verifierKeys: string[]): { checkpoint: Checkpoint; verifiedBy: string[] } {
  const { body, verifiedBy } = openNote(note, verifierKeys);
  return { checkpoint: parseCheckpoint(body), verifiedBy };
}

/** A witness cosigner: name, seed and optionally the POSIX time to state (default now). */
export interface Cosigner extends NoteSigner {
  timestamp?: number;
}

/**
 * Adds a witness cosignature (C2SP tlog-cosignature, type 0x04) to a signed checkpoint. The
 * caller is responsible for having verified the log's signature and the consistency of the
 * checkpoint with the last one it cosigned; this only signs.
 * @param note - a signed checkpoint note
 * @param cosigner - witness name, seed and optional timestamp (seconds)
 * @returns the note with one more signature line
 * @throws DataLedgerError `CHECKPOINT_NOTE_MALFORMED`, `CHECKPOINT_MALFORMED`
 */
export function cosignCheckpoint(note: string, cosigner: Cosigner): string {
  checkName(cosigner.name, 'cosigner.name');
  const { body, signatures } = splitNote(note);
  parseCheckpoint(body);
  const ts = cosigner.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError('cosigner.timestamp: expected non-negative integer seconds');
  if (signatures.length >= MAX_NOTE_SIGNATURES) throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'note: too many signatures');
  const pk = getPublicKey(cosigner.secretKey);
  const raw = new Uint8Array(4 + 8 + 64);
  raw.set(noteKeyId(cosigner.name, pk, NOTE_TYPE_COSIGNATURE_V1), 0);
  new DataView(raw.buffer).setBigUint64(4, BigInt(ts));
  raw.set(sign(cosignedMessage(body, BigInt(ts)), cosigner.secretKey), 12);
  return `${note}${EM_DASH_PREFIX}${cosigner.name} ${toBase64(raw)}\n`;
}

function findCosignature(note: string, cosignerKey: string): { body: string; sig: NoteSignature; key: ParsedVerifierKey } | null {
  const key = parseVerifierKey(cosignerKey);
  if (key.type !== NOTE_TYPE_COSIGNATURE_V1) throw provenanceError('CHECKPOINT_KEY_INVALID', 'cosignerKey: not a cosignature (0x04) key');
  const { body, signatures } = splitNote(note);
  const sig = signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  return sig === undefined ? null : { body, sig, key };
}

/**
 * Checks a witness cosignature on a checkpoint note.
 * @param note - the checkpoint note carrying cosignatures
 * @param cosignerKey - the witness vkey (type 0x04, see {@link cosignerVerifierKey})
 * @returns true when the witness's cosignature is present and verifies
 * @throws DataLedgerError `CHECKPOINT_KEY_INVALID` (bad vkey), `CHECKPOINT_NOTE_MALFORMED`
 */
export function verifyCosignature(note: string, cosignerKey: string): boolean {
  const found = findCosignature(note, cosignerKey);
  return found !== null && verifyLine(found.body, found.sig, found.key);
}

/**
 * The POSIX timestamp stated by a witness's verified cosignature, or null when absent or invalid.
 * @throws DataLedgerError `CHECKPOINT_KEY_INVALID`, `CHECKPOINT_NOTE_MALFORMED`
 */
export function cosignatureTimestamp(note: string, cosignerKey: string): number | null {
  const found = findCosignature(note, cosignerKey);
  if (found === null || !verifyLine(found.body, found.sig, found.key)) return null;
  return Number(new DataView(found.sig.signature.buffer, found.sig.signature.byteOffset, 8).getBigUint64(0));
}
