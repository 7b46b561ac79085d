/**
 * Confidential payload members, logged as salted digests in the SD-JWT disclosure form
 * (RFC 9901 §4.2): a disclosure is the base64url of the JSON array `[salt, name, value]`, its
 * digest the base64url SHA-256 of the disclosure's ASCII bytes, and a concealed member is
 * replaced by its digest in the `_sd` array of the object that held it (§4.2.4.1).
 *
 * The public log (entries, bundles, tiles) carries digests; the values travel beside the
 * record to the server, which checks them against the digests and keeps them in a vault that
 * no public route reads. Verifiers given disclosures put the values back ({@link revealPayload});
 * without them they check every rule that needs only public members.
 *
 * No decoy digests: every digest hides exactly one member, so the server can demand a
 * disclosure for each one and run every rule on the full payload.
 */
import { hash } from 'node:crypto';
import { canonicalize, parseJson, toBase64Url, fromBase64Url, utf8Decode, utf8Encode, type JsonValue } from '@dataledger/core';
import { MAX_DISCLOSURE_LENGTH as VAULT_MAX_DISCLOSURE_LENGTH } from '@dataledger/provenance';
import type { JsonObject } from './dataintegrity.ts';
import { CertificateError } from './errors.ts';
import { RECORD_TYPES, type RecordType } from './payloads.ts';

/** A disclosure: base64url (no padding) of the UTF-8 JSON array `[salt, name, value]`. */
export type Disclosure = string;

/** A disclosure checked and decoded. */
export interface OpenedDisclosure {
  /** The disclosure exactly as given (its digest is over these characters). */
  readonly disclosure: string;
  /** base64url SHA-256 of {@link OpenedDisclosure.disclosure}, 43 characters. */
  readonly digest: string;
  readonly salt: string;
  /** The member name it discloses. */
  readonly name: string;
  readonly value: JsonValue;
}

/** A digest: base64url (no padding) of 32 bytes. */
export const DIGEST_PATTERN: RegExp = /^[A-Za-z0-9_-]{43}$/;
/** A salt: base64url of at least 16 bytes (128 bits; RFC 9901 §9.3 recommends 128). */
const SALT_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
/**
 * Largest disclosure accepted, characters: the vault's limit (provenance), which holds the
 * largest value the payload schemas allow (a 2,000-character description, every character
 * escaped, base64url-grown), so nothing accepted here is refused by the vault.
 */
export const MAX_DISCLOSURE_LENGTH: number = VAULT_MAX_DISCLOSURE_LENGTH;
/** Most digests in one `_sd` array. */
const MAX_SD = 8;

function malformed(message: string, details: Record<string, unknown> = {}): never {
  throw new CertificateError('DISCLOSURE_MALFORMED', message, { details });
}

/** base64url SHA-256 of a disclosure's characters (RFC 9901 §4.2.3). */
export function disclosureDigest(disclosure: string): string {
  // A disclosure is ASCII, so its UTF-8 bytes are its characters: hashed in one call.
  return hash('sha256', disclosure, 'base64url');
}

/** Bytes of a salt: 128 bits (RFC 9901 §9.3). */
const SALT_BYTES = 16;
/**
 * Salts are cut from a pool of CSPRNG output, refilled every 256 salts: one call to the
 * generator per pool, not per member (each call costs more than the bytes it returns). Every
 * byte is used once.
 */
const saltPool = new Uint8Array(SALT_BYTES * 256);
let saltAt = saltPool.length;

function randomSalt(): string {
  if (saltAt === saltPool.length) {
    // getRandomValues fills at most 65,536 bytes per call; the pool is 4,096.
    globalThis.crypto.getRandomValues(saltPool);
    saltAt = 0;
  }
  const salt = toBase64Url(saltPool.subarray(saltAt, saltAt + SALT_BYTES));
  saltPool.fill(0, saltAt, saltAt + SALT_BYTES);
  saltAt += SALT_BYTES;
  return salt;
}

/**
 * Makes a disclosure of one member. The value is written in its RFC 8785 form so that the
 * same member always discloses the same bytes for a given salt.
 * @param name - the member name
 * @param value - its value
 * @param salt - base64url of >= 16 bytes (default: 16 fresh random bytes)
 */
export function makeDisclosure(name: string, value: JsonValue, salt: string = randomSalt()): OpenedDisclosure {
  if (!SALT_PATTERN.test(salt)) throw new RangeError('salt: base64url of at least 16 bytes');
  const disclosure = toBase64Url(utf8Encode(`[${JSON.stringify(salt)},${JSON.stringify(name)},${canonicalize(value)}]`));
  return { disclosure, digest: disclosureDigest(disclosure), salt, name, value };
}

/**
 * Checks and decodes an untrusted disclosure (bounded, read with the safe JSON reader).
 * @throws CertificateError `DISCLOSURE_MALFORMED`
 */
export function openDisclosure(disclosure: unknown): OpenedDisclosure {
  if (typeof disclosure !== 'string' || disclosure.length === 0) malformed('disclosure: expected a base64url string');
  if (disclosure.length > MAX_DISCLOSURE_LENGTH) malformed(`disclosure: longer than ${MAX_DISCLOSURE_LENGTH} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(disclosure)) malformed('disclosure: not base64url');
  let arr: unknown;
  try {
    arr = parseJson(utf8Decode(fromBase64Url(disclosure)), { maxBytes: MAX_DISCLOSURE_LENGTH });
  } catch (cause) {
    throw new CertificateError('DISCLOSURE_MALFORMED', 'disclosure: not the base64url of a JSON array', { cause });
  }
  if (!Array.isArray(arr) || arr.length !== 3) malformed('disclosure: expected [salt, name, value] (an array element disclosure is not used here)');
  const [salt, name, value] = arr as [unknown, unknown, JsonValue];
  if (typeof salt !== 'string' || !SALT_PATTERN.test(salt)) malformed('disclosure: the salt must be base64url of at least 16 bytes (128 bits)');
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) malformed('disclosure: the member name must be a short string');
  // RFC 9901 §4.2.1: `_sd`, `...` and `_sd_alg` are never disclosed names.
  if (name === '_sd' || name === '...' || name === '_sd_alg') malformed(`disclosure: ${name} is not a member name`);
  return { disclosure, digest: disclosureDigest(disclosure), salt, name, value };
}

/**
 * Reads the disclosures file format: text, one disclosure per line; blank lines and lines
 * starting with `#` are ignored. Each line is checked (opened) once.
 * @returns the disclosures, opened, in file order
 * @throws CertificateError `DISCLOSURE_MALFORMED` (with `details.line`)
 */
export function openDisclosuresText(text: string): OpenedDisclosure[] {
  const out: OpenedDisclosure[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      out.push(openDisclosure(line));
    } catch (err) {
      if (err instanceof CertificateError) {
        throw new CertificateError('DISCLOSURE_MALFORMED', `line ${i + 1}: ${err.message}`, { details: { line: i + 1 }, cause: err });
      }
      throw err;
    }
  }
  return out;
}

/**
 * Reads the disclosures file format ({@link openDisclosuresText}) into the disclosures as text.
 * @throws CertificateError `DISCLOSURE_MALFORMED` (with `details.line`)
 */
export function parseDisclosuresText(text: string): string[] {
  return openDisclosuresText(text).map((d) => d.disclosure);
}

/** Writes disclosures in the file format {@link parseDisclosuresText} reads. */
export function formatDisclosuresText(disclosures: Iterable<string>): string {
  let out = '';
  for (const d of disclosures) out += `${d}\n`;
  return out;
}

/**
 * Indexes disclosures by digest (what {@link revealPayload} and every reader take). Strings
 * are opened (checked) here.
 * @throws CertificateError `DISCLOSURE_MALFORMED`
 */
export function disclosureMap(disclosures: Iterable<string | OpenedDisclosure>): Map<string, OpenedDisclosure> {
  const out = new Map<string, OpenedDisclosure>();
  for (const d of disclosures) {
    const o = typeof d === 'string' ? openDisclosure(d) : d;
    out.set(o.digest, o);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The disclosure policy (DESIGN.md "Disclosure policy")

/**
 * The confidential members of each record type by default: the most a ledger conceals. A
 * path is `member` or `object.member`. Everything else is public: roles, chain and the rules
 * a public replay checks need it.
 */
export const CONFIDENTIAL_MEMBERS: { readonly [T in RecordType]: readonly string[] } = Object.freeze({
  'ledger.genesis': [],
  'role.granted': [],
  'role.revoked': [],
  'asset.registered': ['holder.name', 'description', 'valuation', 'subjects'],
  'asset.reviewed': ['opinion'],
  'asset.valued': ['valuation'],
  'certificate.issued': [],
  'certificate.suspended': [],
  'certificate.reinstated': [],
  'certificate.revoked': [],
  'asset.transferred': ['to.name', 'price'],
  'licence.granted': ['licensee.name', 'fee'],
  'licence.revoked': [],
  'asset.frozen': [],
  'asset.unfrozen': [],
  'asset.changed': ['changes.description', 'changes.subjects'],
  'asset.cancelled': [],
  'crossborder.approved': [],
  'consent.granted': ['person'],
  'consent.revoked': [],
  'aggregation.opened': [],
  'aggregation.contributed': [],
  'aggregation.released': [],
  'disclosure.erased': [],
});

/** Which members of each record type a ledger conceals. */
export interface DisclosurePolicy {
  /** Confidential member paths per record type (a subset of {@link CONFIDENTIAL_MEMBERS}). */
  readonly confidential: { readonly [T in RecordType]: readonly string[] };
}

/** The default policy: every member of {@link CONFIDENTIAL_MEMBERS} concealed. */
export const DEFAULT_DISCLOSURE_POLICY: DisclosurePolicy = Object.freeze({ confidential: CONFIDENTIAL_MEMBERS });

/**
 * A deployment's policy: the default, with some confidential members made public. A member
 * that is not confidential by default cannot be made confidential (the public replay of roles,
 * chain and rules needs it).
 * @param options.public - `type:path` entries to publish, e.g. `asset.registered:description`
 * @throws CertificateError `DISCLOSURE_POLICY_INVALID`
 */
export function disclosurePolicy(options: { public?: readonly string[] } = {}): DisclosurePolicy {
  const published = new Set<string>();
  for (const entry of options.public ?? []) {
    const at = entry.indexOf(':');
    const type = entry.slice(0, at);
    const path = entry.slice(at + 1);
    if (at < 0 || !(RECORD_TYPES as readonly string[]).includes(type) || !CONFIDENTIAL_MEMBERS[type as RecordType].includes(path)) {
      throw new CertificateError('DISCLOSURE_POLICY_INVALID', `${entry}: not a confidential member (type:path, e.g. asset.registered:description)`, {
        details: { entry },
      });
    }
    published.add(entry);
  }
  const confidential = Object.fromEntries(
    RECORD_TYPES.map((t) => [t, Object.freeze(CONFIDENTIAL_MEMBERS[t].filter((p) => !published.has(`${t}:${p}`)))]),
  ) as unknown as DisclosurePolicy['confidential'];
  return Object.freeze({ confidential: Object.freeze(confidential) });
}

/** The policy as a plain JSON object (what `GET /v1/disclosure-policy` serves). */
export function policyJson(policy: DisclosurePolicy = DEFAULT_DISCLOSURE_POLICY): { confidential: Record<string, string[]> } {
  return { confidential: Object.fromEntries(RECORD_TYPES.map((t) => [t, [...policy.confidential[t]]])) };
}

/**
 * Reads a policy from its JSON form (a client fetching the server's); members beyond the
 * default are refused.
 * @throws CertificateError `DISCLOSURE_POLICY_INVALID`
 */
export function policyFromJson(value: unknown): DisclosurePolicy {
  const conf = (value as { confidential?: unknown } | null)?.confidential;
  if (typeof conf !== 'object' || conf === null)
    throw new CertificateError('DISCLOSURE_POLICY_INVALID', 'policy: expected { confidential: { type: [paths] } }');
  const published: string[] = [];
  for (const t of RECORD_TYPES) {
    const given = (conf as Record<string, unknown>)[t] ?? [];
    if (!Array.isArray(given) || given.some((p) => typeof p !== 'string' || !CONFIDENTIAL_MEMBERS[t].includes(p))) {
      throw new CertificateError('DISCLOSURE_POLICY_INVALID', `policy.confidential.${t}: only members of the default may be confidential`, {
        details: { type: t },
      });
    }
    for (const p of CONFIDENTIAL_MEMBERS[t]) if (!given.includes(p)) published.push(`${t}:${p}`);
  }
  return disclosurePolicy({ public: published });
}

// ---------------------------------------------------------------------------------------
// Concealing and revealing

/** Where `_sd` may appear, and which names it may hide there: `''` is the top level. */
type Places = ReadonlyMap<string, ReadonlySet<string>>;

const placesCache = new Map<string, Places>();

function placesOf(paths: readonly string[]): Places {
  const key = paths.join(',');
  let out = placesCache.get(key);
  if (out === undefined) {
    const m = new Map<string, Set<string>>();
    for (const p of paths) {
      const dot = p.indexOf('.');
      const at = dot < 0 ? '' : p.slice(0, dot);
      const name = dot < 0 ? p : p.slice(dot + 1);
      let s = m.get(at);
      if (s === undefined) {
        s = new Set();
        m.set(at, s);
      }
      s.add(name);
    }
    out = m;
    placesCache.set(key, out);
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Client side: replaces the confidential members of a full payload by digests, before the
 * record is signed. The disclosures go to the server beside the record (and stay with the
 * writer: it hands them to whoever it chooses).
 * @param type - the record type
 * @param payload - the full payload
 * @param policy - the ledger's policy (default {@link DEFAULT_DISCLOSURE_POLICY})
 * @returns the payload to sign and log, and one disclosure per concealed member
 */
export function concealPayload(
  type: RecordType,
  payload: object,
  policy: DisclosurePolicy = DEFAULT_DISCLOSURE_POLICY,
): { payload: JsonObject; disclosures: string[] } {
  const out: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  const disclosures: string[] = [];
  for (const [at, names] of placesOf(policy.confidential[type] ?? [])) {
    const container = at === '' ? out : out[at];
    if (!isObject(container)) continue;
    const obj = at === '' ? out : { ...container };
    // A payload some of whose members are concealed already keeps their digests.
    const digests: string[] = Array.isArray(obj._sd) ? obj._sd.filter((d): d is string => typeof d === 'string') : [];
    for (const name of names) {
      if (!(name in obj) || obj[name] === undefined) continue;
      const d = makeDisclosure(name, obj[name] as JsonValue);
      delete obj[name];
      digests.push(d.digest);
      disclosures.push(d.disclosure);
    }
    // Sorted, so the order of the digests says nothing about which member each one hides.
    if (digests.length > 0) obj._sd = [...new Set(digests)].sort();
    if (at !== '') out[at] = obj;
  }
  return { payload: out as JsonObject, disclosures };
}

/** A digest of a logged payload: where its `_sd` is (`''` top level, or the member holding it). */
export interface PayloadDigest {
  readonly at: string;
  readonly digest: string;
}

function sdOf(obj: Record<string, unknown>, at: string): string[] {
  const sd = obj._sd;
  if (sd === undefined) return [];
  if (!Array.isArray(sd) || sd.length === 0 || sd.length > MAX_SD || sd.some((d) => typeof d !== 'string' || !DIGEST_PATTERN.test(d))) {
    malformed(`${at === '' ? '' : `${at}.`}_sd: expected 1 to ${MAX_SD} digests (43 base64url characters)`, { at });
  }
  if (new Set(sd).size !== sd.length) malformed(`${at === '' ? '' : `${at}.`}_sd: a digest appears twice`, { at });
  return sd as string[];
}

/**
 * The digests a logged payload carries, each with where it sits.
 * @throws CertificateError `DISCLOSURE_MALFORMED` (a malformed `_sd`)
 */
export function payloadDigests(payload: unknown): PayloadDigest[] {
  if (!isObject(payload)) return [];
  const out: PayloadDigest[] = [];
  for (const d of sdOf(payload, '')) out.push({ at: '', digest: d });
  for (const [k, v] of Object.entries(payload)) {
    if (k === '_sd' || !isObject(v)) continue;
    for (const d of sdOf(v, k)) out.push({ at: k, digest: d });
  }
  return out;
}

/** What {@link revealPayload} found. */
export interface RevealedPayload {
  /** The payload with every disclosed member back in place and every `_sd` removed. */
  readonly payload: JsonObject;
  /** Digests with no disclosure given: their members stay unknown. */
  readonly hidden: readonly PayloadDigest[];
  /** Member paths disclosed, with their digests (`valuation`, `holder.name`…). */
  readonly revealed: readonly { readonly path: string; readonly digest: string }[];
  /** The disclosures used. */
  readonly used: readonly OpenedDisclosure[];
}

function revealObject(
  logged: Record<string, unknown>,
  places: Places,
  disclosures: ReadonlyMap<string, OpenedDisclosure>,
  strict: boolean,
  what: string,
): RevealedPayload {
  const out: Record<string, unknown> = { ...logged };
  const hidden: PayloadDigest[] = [];
  const revealed: { path: string; digest: string }[] = [];
  const used: OpenedDisclosure[] = [];
  const visit = (at: string, obj: Record<string, unknown>): Record<string, unknown> => {
    const sd = sdOf(obj, at);
    if (sd.length === 0) return obj;
    const names = places.get(at);
    if (names === undefined) {
      throw new CertificateError('DISCLOSURE_UNEXPECTED', `${what}${at === '' ? '' : `.${at}`}: no member here is confidential, _sd is not allowed`, {
        details: { at },
      });
    }
    const next: Record<string, unknown> = { ...obj };
    delete next._sd;
    for (const digest of sd) {
      const d = disclosures.get(digest);
      if (d === undefined) {
        if (strict) throw new CertificateError('DISCLOSURE_MISSING', `${what}: no disclosure for digest ${digest}`, { details: { at, digest } });
        hidden.push({ at, digest });
        continue;
      }
      const path = at === '' ? d.name : `${at}.${d.name}`;
      if (!names.has(d.name)) {
        throw new CertificateError('DISCLOSURE_MISMATCH', `${what}: the disclosure of ${digest} names ${path}, which is not confidential here`, {
          details: { at, digest, name: d.name },
        });
      }
      if (d.name in next) {
        throw new CertificateError('DISCLOSURE_MISMATCH', `${what}: ${path} is both disclosed and in clear`, { details: { at, digest, name: d.name } });
      }
      next[d.name] = d.value;
      revealed.push({ path, digest });
      used.push(d);
    }
    return next;
  };
  const top = visit('', out);
  for (const [k, v] of Object.entries(top)) if (k !== '_sd' && isObject(v)) top[k] = visit(k, v);
  return { payload: top as JsonObject, hidden, revealed, used };
}

/**
 * Puts disclosed values back into a logged payload. `disclosures` may hold disclosures of other
 * records (matched by digest; the others are ignored).
 * @param type - the record type
 * @param logged - the payload as logged (signed)
 * @param disclosures - disclosures by digest ({@link disclosureMap})
 * @param options.strict - every digest must be disclosed (the server's write path)
 * @throws CertificateError `DISCLOSURE_MALFORMED`, `DISCLOSURE_UNEXPECTED`, `DISCLOSURE_MISMATCH`,
 *   `DISCLOSURE_MISSING` (strict)
 */
export function revealPayload(
  type: RecordType,
  logged: JsonObject,
  disclosures: ReadonlyMap<string, OpenedDisclosure>,
  options: { strict?: boolean } = {},
): RevealedPayload {
  return revealObject(logged, placesOf(CONFIDENTIAL_MEMBERS[type] ?? []), disclosures, options.strict === true, `payload of ${type}`);
}

/**
 * Server side: refuses a logged payload that carries a member the policy makes confidential in
 * clear, or digests the policy does not allow there.
 * @throws CertificateError `DISCLOSURE_NOT_CONCEALED`, `DISCLOSURE_UNEXPECTED`, `DISCLOSURE_MALFORMED`
 */
export function checkConcealed(type: RecordType, logged: JsonObject, policy: DisclosurePolicy = DEFAULT_DISCLOSURE_POLICY): void {
  const places = placesOf(policy.confidential[type] ?? []);
  for (const [at, names] of places) {
    const obj = at === '' ? logged : (logged as Record<string, unknown>)[at];
    if (!isObject(obj)) continue;
    for (const name of names) {
      if (name in obj) {
        const path = at === '' ? name : `${at}.${name}`;
        throw new CertificateError('DISCLOSURE_NOT_CONCEALED', `payload.${path}: confidential, send it as a digest with its disclosure`, {
          details: { type, path },
        });
      }
    }
  }
  for (const { at } of payloadDigests(logged)) {
    if (!places.has(at)) {
      throw new CertificateError('DISCLOSURE_UNEXPECTED', `payload${at === '' ? '' : `.${at}`}._sd: nothing here is confidential under this ledger's policy`, {
        details: { type, at },
      });
    }
  }
}

/** Where a certificate subject may carry digests, and of which members. */
const SUBJECT_PLACES: Places = placesOf(['valuation', 'holder.name']);

/**
 * Puts disclosed values back into a certificate's `credentialSubject` (the holder chose which
 * to hand over). Every disclosure given must match a digest of the subject.
 * @throws CertificateError `DISCLOSURE_FOREIGN` (a disclosure of no digest of this subject:
 *   changed or from elsewhere), `DISCLOSURE_MISMATCH`, `DISCLOSURE_MALFORMED`
 */
export function revealSubject(subject: JsonObject, disclosures: ReadonlyMap<string, OpenedDisclosure>): RevealedPayload {
  const r = revealObject(subject, SUBJECT_PLACES, disclosures, false, 'credentialSubject');
  if (r.used.length !== disclosures.size) {
    const usedSet = new Set(r.used.map((u) => u.digest));
    const foreign = [...disclosures.keys()].filter((d) => !usedSet.has(d));
    throw new CertificateError('DISCLOSURE_FOREIGN', `credentialSubject: ${foreign.length} disclosure(s) match no digest of this certificate`, {
      details: { digests: foreign },
    });
  }
  return r;
}
