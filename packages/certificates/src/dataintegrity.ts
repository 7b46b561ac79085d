/**
 * W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (VC-DI-EdDSA §3.3),
 * over did:key verification methods resolved offline from the did:key itself.
 *
 * JCS (RFC 8785) replaces RDF canonicalisation, so no JSON-LD processing is involved.
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  canonicalBytes,
  canonicalize,
  equalBytes,
  concatBytes,
  didKeyFromPublicKey,
  didKeyVerificationMethod,
  fromBase58btc,
  getPublicKey,
  publicKeyFromDidKey,
  sha256,
  sign,
  toBase58btc,
  verify,
  type JsonValue,
} from '@dataledger/core';
import { CertificateError, type CertificatesErrorCode } from './errors.ts';

/** The Data Integrity proof type. */
export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof';
/** The cryptosuite identifier of VC-DI-EdDSA §3.3. */
export const EDDSA_JCS_2022 = 'eddsa-jcs-2022';

/** A JSON object (credential, proof…). */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A `DataIntegrityProof` as it appears in a secured document (VC Data Integrity §2.1);
 * `created`, `expires`, `@context` and other members are optional.
 */
export type DataIntegrityProof = JsonObject & {
  type: 'DataIntegrityProof';
  cryptosuite: 'eddsa-jcs-2022';
  verificationMethod: string;
  proofPurpose: string;
  proofValue: string;
};

/** Options of {@link signCredential}. */
export interface SignCredentialOptions {
  /** 32-byte Ed25519 seed of the signer. */
  secretKey: Uint8Array;
  /** did:key verification method id, `did:key:z…#z…` (did:key §3.1.1). */
  verificationMethod: string;
  /** `created` timestamp (XML Schema dateTimeStamp); default now, to the second. */
  created?: string;
  /** Optional `expires` of the proof. */
  expires?: string;
  /** Proof purpose; default `assertionMethod`. */
  proofPurpose?: string;
}

/** One coded reason a credential failed verification. */
export interface VerificationError {
  code: CertificatesErrorCode;
  message: string;
}

/** Result of {@link verifyCredential}. */
export interface CredentialVerificationResult {
  verified: boolean;
  errors: VerificationError[];
}

/** Options of {@link verifyCredential}. */
export interface VerifyCredentialOptions {
  /** Proof purpose expected; default `assertionMethod`. */
  expectedProofPurpose?: string;
  /** Time at which the proof's `expires` is checked; default now. */
  at?: Date;
}

// XML Schema 1.1 dateTimeStamp (a dateTime with a mandatory time zone), VC Data Integrity §2.1 `created`.
const DATE_TIME_STAMP_RE = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/** True when `value` is an XML Schema dateTimeStamp that `Date` can place in time. */
export function isDateTimeStamp(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME_STAMP_RE.test(value) && !Number.isNaN(Date.parse(value));
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function vcErr(code: CertificatesErrorCode, message: string, cause?: unknown): CertificateError {
  return new CertificateError(code, message, cause === undefined ? {} : { cause });
}

// did:key resolution (did:key §3.1.1 "Document creation"): the verification method of
// `did:key:z6Mk…` is `did:key:z6Mk…#z6Mk…`, a Multikey whose publicKeyMultibase is the
// same value. Resolution is offline and deterministic, so cache the decoded keys.
const VM_CACHE_MAX = 4096;
const vmCache = new LRUCache<string, { publicKey: Uint8Array; did: string }>({ max: VM_CACHE_MAX });

/**
 * Resolves a did:key verification method id offline.
 * @param verificationMethod - `did:key:z…#z…`
 * @returns the Ed25519 public key and the controller DID
 * @throws DataLedgerError `VC_VERIFICATION_METHOD_INVALID` when it is not the did:key VM form
 */
export function resolveDidKeyVerificationMethod(verificationMethod: string): { publicKey: Uint8Array; did: string } {
  const hit = vmCache.get(verificationMethod);
  if (hit !== undefined) return hit;
  const hash = typeof verificationMethod === 'string' ? verificationMethod.indexOf('#') : -1;
  if (hash === -1) {
    throw vcErr('VC_VERIFICATION_METHOD_INVALID', 'verificationMethod: expected did:key:z…#z…');
  }
  let publicKey: Uint8Array;
  try {
    // publicKeyFromDidKey refuses a fragment that is not the DID's own key.
    publicKey = publicKeyFromDidKey(verificationMethod);
  } catch (cause) {
    throw vcErr('VC_VERIFICATION_METHOD_INVALID', 'verificationMethod: not an Ed25519 did:key verification method', cause);
  }
  const out = { publicKey, did: verificationMethod.slice(0, hash) };
  vmCache.set(verificationMethod, out);
  return out;
}

/**
 * The did:key verification method id of a public key (`did:key:z…#z…`).
 * @param publicKey - 32-byte Ed25519 public key
 */
export function verificationMethodOf(publicKey: Uint8Array): string {
  return didKeyVerificationMethod(didKeyFromPublicKey(publicKey));
}

/**
 * The hash data of VC-DI-EdDSA §3.3.4: SHA-256(canonical proof config) ‖ SHA-256(canonical document).
 * Exposed so the intermediate values can be checked against the published vectors.
 * @param unsecuredDocument - the document without `proof`
 * @param proofConfig - the proof options without `proofValue`
 * @returns the canonical forms, their hashes and the 64-byte hash data
 * @throws DataLedgerError `VC_CRYPTOSUITE_UNSUPPORTED` (§3.3.3/§3.3.5: type/cryptosuite mismatch),
 *   `VC_PROOF_MALFORMED` (created not a dateTimeStamp)
 */
export function eddsaJcs2022HashData(
  unsecuredDocument: JsonObject,
  proofConfig: JsonObject,
): { canonicalDocument: Uint8Array; canonicalProofConfig: Uint8Array; documentHash: Uint8Array; proofConfigHash: Uint8Array; hashData: Uint8Array } {
  checkProofConfig(proofConfig);
  const canonicalDocument = canonicalBytes(unsecuredDocument);
  const canonicalProofConfig = canonicalBytes(proofConfig);
  const documentHash = sha256(canonicalDocument);
  const proofConfigHash = sha256(canonicalProofConfig);
  // §3.3.4 step 3: proofConfigHash first, then transformedDocumentHash.
  return { canonicalDocument, canonicalProofConfig, documentHash, proofConfigHash, hashData: concatBytes(proofConfigHash, documentHash) };
}

/** The checks {@link eddsaJcs2022HashData} makes of a proof configuration before hashing it. */
function checkProofConfig(proofConfig: JsonObject): void {
  // §3.3.3 transformation and §3.3.5 proof configuration both refuse a foreign suite.
  if (proofConfig.type !== DATA_INTEGRITY_PROOF || proofConfig.cryptosuite !== EDDSA_JCS_2022) {
    throw vcErr('VC_CRYPTOSUITE_UNSUPPORTED', 'proof: type must be DataIntegrityProof with cryptosuite eddsa-jcs-2022');
  }
  // §3.3.5 step 3: a `created` that is not a valid dateTimeStamp is a PROOF_GENERATION_ERROR.
  if (proofConfig.created !== undefined && !isDateTimeStamp(proofConfig.created)) {
    throw vcErr('VC_PROOF_MALFORMED', 'proof.created: not an XML Schema dateTimeStamp');
  }
}

// An issuer signs many documents with one proof configuration (same suite, key, purpose,
// `created` to the second, context), so its SHA-256 is kept under its canonical text.
const proofConfigHashes = new LRUCache<string, Buffer>({ max: 1024 });

/**
 * The 64-byte hash data of {@link eddsaJcs2022HashData} alone, with the same checks and the
 * same bytes: the canonical texts are hashed as UTF-8 directly (JCS has refused lone
 * surrogates, so the encoding is exact), without the intermediate byte arrays.
 */
function hashDataOf(unsecuredDocument: JsonObject, proofConfig: JsonObject): Uint8Array {
  checkProofConfig(proofConfig);
  const documentText = canonicalize(unsecuredDocument);
  const configText = canonicalize(proofConfig);
  let configHash = proofConfigHashes.get(configText);
  if (configHash === undefined) {
    configHash = hash('sha256', configText, 'buffer');
    proofConfigHashes.set(configText, configHash);
  }
  const out = new Uint8Array(64);
  out.set(configHash, 0);
  out.set(hash('sha256', documentText, 'buffer'), 32);
  return out;
}

/**
 * Adds a `DataIntegrityProof` (eddsa-jcs-2022) to a document (VC-DI-EdDSA §3.3.1 "Create Proof").
 *
 * @param unsecured - the credential (or any JSON object) without `proof`
 * @param options - signer key, did:key verification method, optional `created`
 * @returns a new object: the document with its `proof`
 * @throws DataLedgerError `VC_PROOF_GENERATION` (document already has a proof, bad `created`),
 *   `VC_VERIFICATION_METHOD_INVALID`, `VC_KEY_MISMATCH` (the secret key is not the verification method's)
 * @example
 * ```ts
 * const vc = signCredential(unsigned, { secretKey, verificationMethod: verificationMethodOf(publicKey) });
 * ```
 */
export function signCredential<T extends JsonObject>(unsecured: T, options: SignCredentialOptions): T & { proof: DataIntegrityProof } {
  if (!isObject(unsecured)) throw new TypeError('unsecured: expected a JSON object');
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  if (unsecured.proof !== undefined) {
    throw vcErr('VC_PROOF_GENERATION', 'unsecured: already has a proof');
  }
  const { publicKey } = resolveDidKeyVerificationMethod(options.verificationMethod);
  const own = getPublicKey(options.secretKey);
  if (!equalBytes(own, publicKey)) {
    throw vcErr('VC_KEY_MISMATCH', 'secretKey: does not belong to verificationMethod');
  }
  const created = options.created ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  if (!isDateTimeStamp(created)) throw vcErr('VC_PROOF_GENERATION', 'created: not an XML Schema dateTimeStamp');
  if (options.expires !== undefined && !isDateTimeStamp(options.expires)) {
    throw vcErr('VC_PROOF_GENERATION', 'expires: not an XML Schema dateTimeStamp');
  }
  // §3.3.1 step 1-2: proof = clone of options; when the document has @context, the proof carries it.
  const proof: JsonObject = {
    type: DATA_INTEGRITY_PROOF,
    cryptosuite: EDDSA_JCS_2022,
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose ?? 'assertionMethod',
  };
  if (options.expires !== undefined) proof.expires = options.expires;
  if (unsecured['@context'] !== undefined) proof['@context'] = unsecured['@context'];
  const { hashData } = eddsaJcs2022HashData(unsecured, proof);
  // §3.3.6 proof serialization: Ed25519 over hashData; §3.3.1 step 6: base58btc multibase.
  const proofValue = `z${toBase58btc(sign(hashData, options.secretKey))}`;
  return { ...unsecured, proof: { ...proof, proofValue } as DataIntegrityProof };
}

function verifyOneProof(document: JsonObject, proof: unknown, opts: VerifyCredentialOptions, errors: VerificationError[]): void {
  const push = (code: CertificatesErrorCode, message: string): void => {
    errors.push({ code, message });
  };
  if (!isObject(proof)) return push('VC_PROOF_MALFORMED', 'proof: expected an object');
  // VC Data Integrity §4.3 step: type, cryptosuite and proofValue are required.
  if (proof.type !== DATA_INTEGRITY_PROOF || proof.cryptosuite !== EDDSA_JCS_2022) {
    return push('VC_CRYPTOSUITE_UNSUPPORTED', 'proof: not a DataIntegrityProof with cryptosuite eddsa-jcs-2022');
  }
  const { proofValue } = proof;
  if (typeof proofValue !== 'string' || proofValue[0] !== 'z') {
    return push('VC_PROOF_MALFORMED', 'proof.proofValue: expected base58btc multibase');
  }
  let signature: Uint8Array;
  try {
    signature = fromBase58btc(proofValue.slice(1));
  } catch {
    return push('VC_PROOF_MALFORMED', 'proof.proofValue: bad base58btc');
  }
  if (signature.length !== 64) return push('VC_PROOF_MALFORMED', 'proof.proofValue: expected a 64-byte Ed25519 signature');
  if (typeof proof.proofPurpose !== 'string') return push('VC_PROOF_MALFORMED', 'proof.proofPurpose: missing');
  if (proof.proofPurpose !== (opts.expectedProofPurpose ?? 'assertionMethod')) {
    return push('VC_PROOF_PURPOSE_MISMATCH', `proof.proofPurpose: expected ${opts.expectedProofPurpose ?? 'assertionMethod'}`);
  }
  if (proof.created !== undefined && !isDateTimeStamp(proof.created)) {
    return push('VC_PROOF_MALFORMED', 'proof.created: not an XML Schema dateTimeStamp');
  }
  if (proof.expires !== undefined) {
    if (!isDateTimeStamp(proof.expires)) return push('VC_PROOF_MALFORMED', 'proof.expires: not an XML Schema dateTimeStamp');
    if (Date.parse(proof.expires) < (opts.at ?? new Date()).getTime()) return push('VC_PROOF_EXPIRED', 'proof.expires: in the past');
  }
  if (typeof proof.verificationMethod !== 'string') return push('VC_PROOF_MALFORMED', 'proof.verificationMethod: missing');
  let vm: { publicKey: Uint8Array; did: string };
  try {
    vm = resolveDidKeyVerificationMethod(proof.verificationMethod);
  } catch {
    return push('VC_VERIFICATION_METHOD_INVALID', 'proof.verificationMethod: not a did:key verification method');
  }
  // VC Data Model 2.0 §4.7: when the issuer is a DID, the proof must be made by a key it controls.
  const issuer = isObject(document.issuer) ? document.issuer.id : document.issuer;
  if (typeof issuer === 'string' && issuer.startsWith('did:') && issuer !== vm.did) {
    return push('VC_ISSUER_MISMATCH', 'proof.verificationMethod: not controlled by the issuer');
  }
  // §3.3.2 step 4: proof options are the proof without proofValue.
  const { proofValue: _omit, ...proofOptions } = proof;
  let unsecured: JsonObject = document;
  // §3.3.2 step 5: when the proof carries @context, the document's must start with it, in order.
  if (proofOptions['@context'] !== undefined) {
    const pc = proofOptions['@context'];
    const dc = document['@context'];
    const pa = Array.isArray(pc) ? pc : [pc];
    const da = Array.isArray(dc) ? dc : dc === undefined ? [] : [dc];
    const prefixOk = pa.length <= da.length && pa.every((c, i) => canonicalEq(c, da[i] as JsonValue));
    if (!prefixOk) return push('VC_CONTEXT_MISMATCH', 'proof.@context: not a prefix of the document @context');
    unsecured = { ...document, '@context': pc };
  }
  let hashData: Uint8Array;
  try {
    hashData = hashDataOf(unsecured, proofOptions);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // Our own coded refusals pass through; anything else means the document is not JSON.
    return push(code?.startsWith('VC_') ? (code as CertificatesErrorCode) : 'VC_CREDENTIAL_MALFORMED', (err as Error).message);
  }
  if (!verify(signature, hashData, vm.publicKey)) push('VC_SIGNATURE_INVALID', 'proof.proofValue: signature does not verify');
}

function canonicalEq(a: JsonValue, b: JsonValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  try {
    return canonicalize(a) === canonicalize(b);
  } catch {
    return false;
  }
}

/**
 * Verifies the Data Integrity proof(s) of a secured document (VC-DI-EdDSA §3.3.2 "Verify Proof"),
 * resolving did:key verification methods offline. A proof set (an array) verifies when every proof does.
 *
 * Never throws for a bad credential: every problem is reported as a coded error.
 * @param vc - the secured credential
 * @param options - expected proof purpose, evaluation time
 * @returns `{ verified, errors }`; `verified` is true only when `errors` is empty
 */
export function verifyCredential(vc: unknown, options: VerifyCredentialOptions = {}): CredentialVerificationResult {
  const errors: VerificationError[] = [];
  if (!isObject(vc)) {
    errors.push({ code: 'VC_CREDENTIAL_MALFORMED', message: 'credential: expected a JSON object' });
    return { verified: false, errors };
  }
  const { proof, ...document } = vc;
  if (proof === undefined) {
    errors.push({ code: 'VC_PROOF_MISSING', message: 'credential: no proof' });
    return { verified: false, errors };
  }
  const proofs = Array.isArray(proof) ? proof : [proof];
  if (proofs.length === 0) errors.push({ code: 'VC_PROOF_MISSING', message: 'credential: empty proof set' });
  try {
    for (const p of proofs) verifyOneProof(document, p, options, errors);
  } catch (cause) {
    // Non-JSON values (cycles, functions, non-finite numbers) make canonicalisation fail.
    errors.push({ code: 'VC_CREDENTIAL_MALFORMED', message: `credential: ${(cause as Error).message}` });
  }
  return { verified: errors.length === 0, errors };
}
