/**
 * HTTP Message Signatures (RFC 9421) with Ed25519 (§3.3.6) and did:key key ids, for
 * reads of non-public data. Signature bases are built by the maintained
 * `http-message-signatures` library (RFC 9421 §2.5); keys, key ids, the covered
 * components we require and RFC 9530 `Content-Digest` are ours.
 *
 * A signed request covers `@method`, `@authority`, `@path`, `@query` (and
 * `content-digest` when it has a body) with `created`, `expires`, `keyid`, `nonce` and
 * `alg="ed25519"`. The verifier remembers each nonce for the signature's lifetime
 * ({@link NonceCache} in one process, {@link sharedNonceStore} across the instances of one
 * PostgreSQL log), so a captured request cannot be answered twice (RFC 9421 §7.2.2).
 */
import { createHash, randomBytes } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import { didKeyFromPublicKey, getPublicKey, isDidKey, publicKeyFromDidKey, sign, verify } from '@dataledger/core';
import { ServiceError } from './problem.ts';

/** The components every signed request must cover (RFC 9421 §2.2). */
export const REQUIRED_COVERED_COMPONENTS: readonly string[] = ['@method', '@authority', '@path', '@query'];

/** Default and maximum signature lifetime in seconds. */
export const SIGNATURE_MAX_AGE_SECONDS = 300;

/** A request as seen by the signer and the verifier. */
export interface SignableRequest {
  method: string;
  /** Absolute URL (scheme, authority, path and query). */
  url: string;
  /** Header fields; names are case-insensitive. */
  headers: Record<string, string>;
  /** The exact body bytes, when there is one. */
  body?: Uint8Array | string;
}

/** Options for {@link signRequest}. */
export interface SignRequestOptions {
  /** Signature creation time (default now). */
  created?: Date;
  /** Expiry (default created + 300 s). */
  expires?: Date;
  /** The nonce (RFC 9421 §2.3); default 16 random bytes, base64url. Verifiers require one. */
  nonce?: string;
  /** Signature label (default `sig`). */
  label?: string;
}

/**
 * RFC 9530 `Content-Digest` field value for a body (`sha-256=:base64:`).
 * @param body - the exact body bytes (a string is UTF-8 encoded)
 * @returns the field value
 */
export function contentDigest(body: Uint8Array | string): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}

/**
 * Checks a `Content-Digest` field against a body (RFC 9530 §2): the field must carry a
 * `sha-256` member equal to the digest of the body.
 * @returns true when it matches
 */
export function contentDigestMatches(field: string, body: Uint8Array | string): boolean {
  // Exactly one sha-256 member: with two, this check and a signature covering the field's
  // parsed form (`;sf`/`;key`, where the last member wins) could see different digests.
  if ((field.match(/sha-256\s*=/g) ?? []).length !== 1) return false;
  const m = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):\s*(?:,|$)/.exec(field);
  if (m === null) return false;
  return contentDigest(body) === `sha-256=:${m[1] as string}:`;
}

/**
 * Signs a request (RFC 9421 §3.1) with an Ed25519 key; `keyid` is the signer's did:key.
 * Adds `Content-Digest` when the request has a body, and `Signature-Input` and `Signature`.
 * @param request - the request to sign
 * @param signer - the signer's 32-byte Ed25519 secret key (seed)
 * @param options - created/expires/nonce/label
 * @returns the headers to send (the given headers plus the signature fields)
 */
export async function signRequest(
  request: SignableRequest,
  signer: { secretKey: Uint8Array },
  options: SignRequestOptions = {},
): Promise<Record<string, string>> {
  const keyid = didKeyFromPublicKey(getPublicKey(signer.secretKey));
  const headers: Record<string, string> = { ...request.headers };
  const fields = [...REQUIRED_COVERED_COMPONENTS];
  if (request.body !== undefined) {
    headers['content-digest'] = contentDigest(request.body);
    fields.push('content-digest');
  }
  const created = options.created ?? new Date();
  const params = ['created', 'expires', 'keyid', 'alg'];
  const paramValues: Record<string, Date | string> = {
    created,
    expires: options.expires ?? new Date(created.getTime() + SIGNATURE_MAX_AGE_SECONDS * 1000),
  };
  // A fresh nonce per request: the verifier refuses a nonce it has seen (replay, §7.2.2).
  params.push('nonce');
  paramValues['nonce'] = options.nonce ?? randomBytes(16).toString('base64url');
  const signed = await httpbis.signMessage(
    {
      key: {
        id: keyid,
        alg: 'ed25519',
        sign: async (data: Buffer) => Buffer.from(sign(new Uint8Array(data), signer.secretKey)),
      },
      fields,
      params,
      paramValues,
      ...(options.label === undefined ? {} : { name: options.label }),
    },
    { method: request.method, url: request.url, headers },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Options for {@link verifyRequest}. */
export interface VerifyRequestOptions {
  /** Maximum age of a signature in seconds (default 300). */
  maxAgeSeconds?: number;
  /** Clock tolerance in seconds (default 5). */
  toleranceSeconds?: number;
  /**
   * Where nonces are remembered. Given, a nonce is required and a nonce already seen is
   * refused (`HTTP_NONCE_REPLAYED`); omitted, the nonce is not checked (offline checks).
   */
  nonces?: NonceStore;
}

/** What {@link verifySignedRequest} found: who signed, and the signature's nonce and lifetime. */
export interface VerifiedRequest {
  /** The signer's did:key (the `keyid`). */
  signer: string;
  /** The `nonce` parameter (undefined when the signature has none). */
  nonce: string | undefined;
  /** `created`, POSIX seconds. */
  created: number;
  /** `expires`, POSIX seconds. */
  expires: number;
}

/**
 * Where the nonces of signed reads are remembered: a {@link NonceCache} in one process, or
 * {@link sharedNonceStore} over a table every instance serving one log uses (README "Scaling
 * out"), so a read answered by one instance is refused by the others.
 */
export interface NonceStore {
  /**
   * Records a nonce, refusing one already seen within its lifetime. Synchronous in memory,
   * so the one-process path never waits; a shared store answers a promise.
   * @param signer - the signature's keyid (nonces are per signer)
   * @param nonce - the nonce
   * @param forgetAt - when the signature stops being acceptable (ms)
   * @throws ServiceError `HTTP_NONCE_REPLAYED`, `HTTP_RATE_LIMITED` (full of live nonces)
   */
  use(signer: string, nonce: string, forgetAt: number): void | Promise<void>;
}

/** Claims of keys until a time, as a shared table answers them (store-postgres `SharedNonces`). */
export interface NonceClaims {
  /** True when `key` was free (never claimed, or its claim has expired), false when a claim of it is live. */
  claim(key: string, forgetAt: number): Promise<boolean>;
}

/**
 * A {@link NonceStore} over shared claims: a nonce is claimed under `keyid nonce`, and a live
 * claim by any instance is a replay.
 * @param claims - the shared table (store-postgres `openPostgresShared(…).nonces`)
 * @returns the store `buildApp` checks signed reads against
 */
export function sharedNonceStore(claims: NonceClaims): NonceStore {
  return {
    async use(signer, nonce, forgetAt) {
      if (!(await claims.claim(`${signer} ${nonce}`, forgetAt))) {
        throw new ServiceError('HTTP_NONCE_REPLAYED', 'this signed request was already answered (nonce seen before)');
      }
    },
  };
}

/** Most nonces a {@link NonceCache} holds by default. */
export const DEFAULT_MAX_NONCES = 100_000;

/**
 * Nonces of signed requests seen within their lifetime (RFC 9421 §7.2.2, replay): each is kept
 * until its signature can no longer be accepted, at most `maxAgeSeconds` plus the clock
 * tolerance, so memory is bounded by the rate of signed reads over that window and by `max`.
 * When full of live nonces, new signed reads are refused (`HTTP_RATE_LIMITED`) rather than
 * forgetting a nonce early, which would let a replay through.
 */
export class NonceCache implements NonceStore {
  readonly #max: number;
  /** `keyid nonce` → when it may be forgotten (ms); insertion order is expiry order within one lifetime. */
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;

  /**
   * @param max - most live nonces kept (default {@link DEFAULT_MAX_NONCES})
   * @param now - the clock (ms), for tests
   */
  constructor(max: number = DEFAULT_MAX_NONCES, now: () => number = Date.now) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('max: expected a positive integer');
    this.#max = max;
    this.#now = now;
  }

  /** Live nonces held. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a nonce, refusing one already seen.
   * @param signer - the signature's keyid (nonces are per signer)
   * @param nonce - the nonce
   * @param forgetAt - when the signature stops being acceptable (ms)
   * @throws ServiceError `HTTP_NONCE_REPLAYED`, `HTTP_RATE_LIMITED` (full of live nonces)
   */
  use(signer: string, nonce: string, forgetAt: number): void {
    const now = this.#now();
    const key = `${signer} ${nonce}`;
    const seen = this.#seen.get(key);
    if (seen !== undefined && seen > now) throw new ServiceError('HTTP_NONCE_REPLAYED', 'this signed request was already answered (nonce seen before)');
    this.#prune(now);
    if (this.#seen.size >= this.#max) throw new ServiceError('HTTP_RATE_LIMITED', 'too many signed reads in the signature lifetime; retry shortly');
    this.#seen.delete(key);
    this.#seen.set(key, forgetAt);
  }

  #prune(now: number): void {
    // Lifetimes are capped by one maximum age, so the oldest insertions expire first; stop
    // at the first live one (a shorter-lived nonce behind it is dropped on a later call).
    for (const [k, t] of this.#seen) {
      if (t > now) break;
      this.#seen.delete(k);
    }
  }
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Verifies the RFC 9421 signature of a request and returns the did:key that signed it.
 * Exactly one signature is accepted; it must cover the required components (and
 * `content-digest` when there is a body), carry `created`, `expires` and a did:key
 * `keyid`, be within its lifetime, and verify with Ed25519.
 * @param request - the received request (absolute URL rebuilt from the Host header)
 * @returns the signer's did:key
 * @throws ServiceError `HTTP_SIGNATURE_MISSING`, `HTTP_SIGNATURE_INVALID`, `HTTP_DIGEST_MISMATCH`
 */
export async function verifyRequest(request: SignableRequest, options: VerifyRequestOptions = {}): Promise<string> {
  return (await verifySignedRequest(request, options)).signer;
}

/**
 * {@link verifyRequest}, answering the signature's nonce and lifetime as well. With
 * `options.nonces`, the nonce is required and recorded (a replay is refused).
 * @param request - the received request (absolute URL built from the configured public URL)
 * @returns the signer, nonce, created and expires
 * @throws ServiceError `HTTP_SIGNATURE_MISSING`, `HTTP_SIGNATURE_INVALID`, `HTTP_DIGEST_MISMATCH`,
 *   `HTTP_NONCE_MISSING`, `HTTP_NONCE_REPLAYED`, `HTTP_RATE_LIMITED`
 */
export async function verifySignedRequest(request: SignableRequest, options: VerifyRequestOptions = {}): Promise<VerifiedRequest> {
  const input = headerOf(request.headers, 'signature-input');
  const signature = headerOf(request.headers, 'signature');
  if (input === undefined && signature === undefined) {
    throw new ServiceError('HTTP_SIGNATURE_MISSING', 'this resource needs an RFC 9421 signed request');
  }
  if (input === undefined || signature === undefined || input.length > 4096 || signature.length > 4096) {
    throw new ServiceError('HTTP_SIGNATURE_INVALID', 'Signature and Signature-Input must both be present');
  }
  const hasBody = request.body !== undefined && request.body.length > 0;
  if (hasBody) {
    const digest = headerOf(request.headers, 'content-digest');
    if (digest === undefined || !contentDigestMatches(digest, request.body as Uint8Array | string)) {
      throw new ServiceError('HTTP_DIGEST_MISMATCH', 'Content-Digest is missing or does not match the body');
    }
  }
  // One signature only: with several, "any one verifies" would let an unsigned label ride along.
  if (/^\s*[a-z*][a-z0-9_\-.*]*=\(/.exec(input) === null || splitTopLevel(input).length !== 1) {
    throw new ServiceError('HTTP_SIGNATURE_INVALID', 'exactly one signature is accepted');
  }
  let signer: string | null = null;
  let nonce: string | undefined;
  let created = 0;
  let expires = 0;
  let result: boolean | null;
  try {
    result = await httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          const keyid = params.keyid;
          if (typeof keyid !== 'string' || !isDidKey(keyid)) return null;
          if (params.alg !== undefined && params.alg !== 'ed25519') return null;
          // The library compares created/expires arithmetically: a non-integer (a string, say)
          // compares as NaN and would pass every window check, giving a signature that never
          // expires. RFC 9421 §2.3: both are Integers; require them here.
          const created_: unknown = params.created;
          if (!(created_ instanceof Date) || !Number.isSafeInteger(created_.getTime() / 1000)) return null;
          if (!Number.isSafeInteger(params.expires)) return null;
          created = created_.getTime() / 1000;
          expires = params.expires as unknown as number;
          if (params.nonce !== undefined) {
            // RFC 9421 §2.3: a String; bounded, so the nonce cache stays small.
            if (typeof params.nonce !== 'string' || params.nonce.length === 0 || params.nonce.length > 128) return null;
            nonce = params.nonce;
          }
          const publicKey = publicKeyFromDidKey(keyid);
          return {
            id: keyid,
            algs: ['ed25519'],
            verify: async (data: Buffer, sig: Buffer) => {
              if (sig.length !== 64) return false;
              const ok = verify(new Uint8Array(sig), new Uint8Array(data), publicKey);
              if (ok) signer = keyid;
              return ok;
            },
          };
        },
        maxAge: options.maxAgeSeconds ?? SIGNATURE_MAX_AGE_SECONDS,
        tolerance: options.toleranceSeconds ?? 5,
        requiredParams: ['created', 'expires', 'keyid'],
        requiredFields: hasBody ? [...REQUIRED_COVERED_COMPONENTS, 'content-digest'] : [...REQUIRED_COVERED_COMPONENTS],
      },
      { method: request.method, url: request.url, headers: request.headers },
    );
  } catch (cause) {
    throw new ServiceError('HTTP_SIGNATURE_INVALID', `signature rejected: ${(cause as Error).message ?? 'malformed'}`);
  }
  if (result !== true || signer === null) {
    throw new ServiceError('HTTP_SIGNATURE_INVALID', 'signature does not verify with the did:key named by keyid');
  }
  const out: VerifiedRequest = { signer, nonce, created, expires };
  if (options.nonces !== undefined) await rememberNonce(out, options.nonces, options);
  return out;
}

/**
 * Requires a verified request's nonce and records it, refusing a replay. Call it after the
 * signer is known to be allowed (so only role holders take room in the cache).
 * @param verified - what {@link verifySignedRequest} answered
 * @param nonces - the cache (or the shared store: then await the answer)
 * @param options - the lifetime bounds the signature was verified with
 * @returns what the store answered (a promise for a shared store)
 * @throws ServiceError `HTTP_NONCE_MISSING`, `HTTP_NONCE_REPLAYED`, `HTTP_RATE_LIMITED`
 */
export function rememberNonce(
  verified: VerifiedRequest,
  nonces: NonceStore,
  options: Pick<VerifyRequestOptions, 'maxAgeSeconds' | 'toleranceSeconds'> = {},
): void | Promise<void> {
  if (verified.nonce === undefined) throw new ServiceError('HTTP_NONCE_MISSING', 'a signed read must carry a nonce parameter (RFC 9421 §2.3)');
  // Remember it for as long as this signature could be accepted: until it expires or
  // reaches the maximum age, whichever is first, plus the clock tolerance, plus one second:
  // the window is checked in whole seconds (RFC 9421 §2.3 Integers), so a signature still
  // passes throughout the second that starts at that bound.
  const maxAge = options.maxAgeSeconds ?? SIGNATURE_MAX_AGE_SECONDS;
  const tolerance = options.toleranceSeconds ?? 5;
  return nonces.use(verified.signer, verified.nonce, (Math.min(verified.expires, verified.created + maxAge) + tolerance + 1) * 1000);
}

// Splits a structured-field dictionary on top-level commas (outside quotes, parentheses
// and byte sequences): enough to count members without trusting the library to reject.
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let colon = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === ':') colon = !colon;
    else if (!colon && c === '(') depth++;
    else if (!colon && c === ')') depth--;
    else if (!colon && depth === 0 && c === ',') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter((x) => x.trim() !== '');
}
