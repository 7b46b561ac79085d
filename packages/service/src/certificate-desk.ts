/**
 * What the service publishes about certificates, so that an exchange can verify one offline
 * (DESIGN.md: "The service serves each certificate and its status-list credentials"):
 *
 * - the signed certificate, uploaded by its registry after issuance and checked against the
 *   ledger before it is kept (its `certificate.issued` record, subject hash, issuer, proof and
 *   role evidence), durably, in the data directory;
 * - the W3C Bitstring Status List credentials its `credentialStatus` entries point at, derived
 *   from the ledger's suspension and revocation records.
 *
 * Who signs the status lists: the log key. Suspensions and revocations are ledger records, so
 * the log is the authority on a certificate's status; the log key is the one key the service
 * always holds (the root key may be kept offline, the registry's key is the registry's); and an
 * offline verifier already trusts it, because it signed the checkpoint in the certificate's own
 * evidence (`verifyCertificate` accepts lists signed by the issuer or by that log, see
 * `statusListSignerOfLog`). The key signs C2SP notes (Ed25519 over the note text) and the
 * lists (Ed25519 over two SHA-256 digests, eddsa-jcs-2022 §3.3.4): the two messages cannot be
 * taken for one another.
 *
 * Every list carries `validFrom` (when it was signed) and `ttl` (Bitstring Status List v1.0
 * §2.2); a list is re-signed when a status record changes it and when half its ttl has passed,
 * so a served list is always fresh for at least half its ttl.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize, DataLedgerError, isDataLedgerError, sha256, toBase64, toHex, utf8Encode } from '@dataledger/core';
import {
  DEFAULT_STATUS_LIST_TTL_MS,
  STATUS_LIST_MIN_ENTRIES,
  roleEvidenceIndexes,
  signStatusListCredential,
  statusListSignerOfLog,
  verifyCertificate,
  type JsonObject,
  type RegistryState,
} from '@dataledger/certificates';
import type { LedgerRecord } from '@dataledger/provenance';
import { ServiceError } from './problem.ts';
import type { LedgerService } from './service.ts';

/** Where signed certificates are kept, by id. */
export interface CertificateShelf {
  /** The stored text, or undefined. */
  get(id: string): Promise<string | undefined>;
  /**
   * Stores the text durably (acknowledged only once on disk or committed). A shelf shared by
   * several instances (store-postgres `openPostgresShared`) keeps the first text stored under
   * an id and refuses another with `STORE_VALUE_INVALID`, details `conflict` true.
   */
  put(id: string, text: string): Promise<void>;
}

/** A shelf in memory (tests, embedding without a data directory). */
export function memoryShelf(): CertificateShelf {
  const m = new Map<string, string>();
  return {
    get: async (id) => m.get(id),
    put: async (id, text) => {
      m.set(id, text);
    },
  };
}

/**
 * A shelf in a directory (created on first use): one file per certificate, named by the SHA-256 of its id (ids are
 * URNs or URLs, not file names), written to a temporary file, flushed and renamed, so a crash
 * leaves either the whole certificate or none.
 * @param dir - the directory (created when missing)
 */
export async function directoryShelf(dir: string): Promise<CertificateShelf> {
  // Created on the first certificate: opening a data directory to read it changes nothing.
  let made = false;
  const pathOf = (id: string): string => join(dir, `${toHex(sha256(utf8Encode(id)))}.json`);
  return {
    get: async (id) => {
      try {
        return await readFile(pathOf(id), 'utf8');
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return undefined;
        throw new DataLedgerError('STORE_IO', `certificate ${id}: unreadable`, { cause: err });
      }
    },
    put: async (id, text) => {
      const path = pathOf(id);
      const tmp = `${path}.tmp`;
      try {
        if (!made) {
          await mkdir(dir, { recursive: true, mode: 0o700 });
          made = true;
        }
        const fh = await open(tmp, 'w', 0o644);
        try {
          await fh.writeFile(text, 'utf8');
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
        const d = await open(dir, 'r');
        try {
          await d.sync();
        } finally {
          await d.close();
        }
      } catch (err) {
        throw new DataLedgerError('STORE_IO', `certificate ${id}: not written`, { cause: err });
      }
    },
  };
}

/** A record with its inclusion proof (base64 hashes), as served. */
export interface ProvenRecord {
  record: LedgerRecord;
  proof: string[];
}

/** The role evidence of a certificate's issuer, proven against one tree size. */
export interface RoleEvidenceAnswer {
  treeSize: number;
  genesis: ProvenRecord;
  grant: ProvenRecord;
}

/** The next free status slot under a base URL, and the lists in use there. */
export interface StatusListSlots {
  lists: { id: string; url: string; purpose: 'revocation' | 'suspension'; entries: number }[];
  next: { revocationList: string; suspensionList: string; statusListIndex: number };
}

/** The service's certificate publication (see the module comment). */
export interface CertificateDesk {
  /** The did:key that signs the status lists (the log key's). */
  readonly statusListSigner: string;
  /** `ttl` of the lists, milliseconds. */
  readonly statusListTtlMs: number;
  /** The signed certificate as published (RFC 8785 text), or undefined. */
  signed(id: string): Promise<string | undefined>;
  /**
   * Checks a signed certificate against the ledger and keeps it.
   * @returns the stored text and whether this call stored it (false: the same was already there)
   * @throws ServiceError `HTTP_BAD_REQUEST` (not an object, or another id), `HTTP_NOT_FOUND`
   *   (no `certificate.issued` for this id); DataLedgerError the failing check's `CERT_…` code,
   *   `CERT_CONFLICT` (another certificate is already published under this id)
   */
  publish(id: string, certificate: unknown): Promise<{ text: string; created: boolean }>;
  /** The signed status list credential at `url`, or undefined when no certificate names it. */
  statusList(url: string): JsonObject | undefined;
  /** The lists under `base` (`…/v1/status-lists/`) and the next free slot. */
  slots(base: string): StatusListSlots;
  /**
   * The genesis and the issuer's `registry` grant of a logged certificate, proven against the
   * tree of `treeSize` records (what `issueCertificate` takes as `roleEvidence`).
   * @throws ServiceError `HTTP_NOT_FOUND`; DataLedgerError `CERT_EVIDENCE_MISSING`, `LEDGER_INDEX_OUT_OF_RANGE`
   */
  roleEvidence(id: string, treeSize: number): Promise<RoleEvidenceAnswer>;
}

/** Options of {@link createCertificateDesk}. */
export interface CertificateDeskOptions {
  service: LedgerService<RegistryState>;
  /** The log's Ed25519 seed: signs the status lists. */
  logSecretKey: Uint8Array;
  shelf: CertificateShelf;
  /** `ttl` of the status lists, milliseconds (default {@link DEFAULT_STATUS_LIST_TTL_MS}). */
  statusListTtlMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The certificate desk of a service.
 * @param options - the service, the log key, the shelf, the lists' ttl
 */
export function createCertificateDesk(options: CertificateDeskOptions): CertificateDesk {
  const { service, shelf } = options;
  const ttl = options.statusListTtlMs ?? DEFAULT_STATUS_LIST_TTL_MS;
  if (!Number.isSafeInteger(ttl) || ttl < 1000) throw new RangeError('options.statusListTtlMs: expected at least 1000 ms');
  const now = options.now ?? Date.now;
  const signer = statusListSignerOfLog(service.logVerifierKey);
  // url → the list signed for one certificates map (the registry state is persistent: the same
  // object means no status changed) at one time.
  const lists = new Map<string, { certificates: unknown; signedAt: number; vc: JsonObject }>();
  let writes: Promise<unknown> = Promise.resolve();

  const desk: CertificateDesk = {
    statusListSigner: signer,
    statusListTtlMs: ttl,
    signed: (id) => shelf.get(id),

    async publish(id, certificate) {
      if (!isObj(certificate)) throw new ServiceError('HTTP_BAD_REQUEST', 'the body must be a DataAssetCertificate');
      if (certificate.id !== id)
        throw new ServiceError('HTTP_BAD_REQUEST', `the certificate's id is not ${id}`, { details: { id, certificateId: certificate.id } });
      const state = service.registry();
      if (state.certificates.get(id) === undefined) throw new ServiceError('HTTP_NOT_FOUND', `no certificate.issued record for ${id}`, { details: { id } });
      // The ledger's checks, with the role evidence required (no trusted issuers): what is
      // published here verifies offline with the log key alone. Validity is the verifier's
      // business at its own time; status is served separately.
      const v = verifyCertificate(certificate, { trustedLogKeys: [service.logVerifierKey], skipStatusCheck: true, at: new Date(now()) });
      const failed = v.checks.find((c) => !c.ok && c.name !== 'validity');
      if (failed !== undefined) {
        throw new DataLedgerError(
          failed.code ?? 'CERT_MALFORMED',
          `certificate ${id}: ${failed.name} check failed${failed.message === undefined ? '' : `: ${failed.message}`}`,
          {
            details: { id, check: failed.name },
          },
        );
      }
      const text = canonicalize(certificate);
      const conflict = (existing: string): DataLedgerError =>
        new DataLedgerError('CERT_CONFLICT', `certificate ${id}: another certificate is already published under this id`, {
          details: { id, published: toBase64(sha256(utf8Encode(existing))) },
        });
      // One upload at a time: the first certificate published under an id stands.
      const run = writes.then(async () => {
        const existing = await shelf.get(id);
        if (existing !== undefined) {
          if (existing === text) return { text, created: false };
          throw conflict(existing);
        }
        try {
          await shelf.put(id, text);
        } catch (err) {
          // A shared shelf: another instance published under this id between the get and the put.
          if (isDataLedgerError(err, 'STORE_VALUE_INVALID') && err.details?.['conflict'] === true) {
            const stored = await shelf.get(id);
            if (stored === text) return { text, created: false };
            if (stored !== undefined) throw conflict(stored);
          }
          throw err;
        }
        return { text, created: true };
      });
      writes = run.catch(() => undefined);
      return run;
    },

    statusList(url) {
      const state = service.registry();
      const t = now();
      const hit = lists.get(url);
      if (hit !== undefined && hit.certificates === state.certificates && t - hit.signedAt < ttl / 2) return hit.vc;
      const vc = signStatusListCredential(state, url, {
        secretKey: options.logSecretKey,
        validFrom: new Date(t).toISOString(),
        ttl,
        created: new Date(t).toISOString(),
      });
      if (vc === undefined) return undefined;
      lists.set(url, { certificates: state.certificates, signedAt: t, vc });
      return vc;
    },

    slots(base) {
      const state = service.registry();
      const used = new Map<string, { purpose: 'revocation' | 'suspension'; max: number; entries: number }>();
      for (const c of state.certificates.values()) {
        for (const [url, purpose] of [
          [c.revocationList, 'revocation'],
          [c.suspensionList, 'suspension'],
        ] as const) {
          if (!url.startsWith(base)) continue;
          const u = used.get(url) ?? { purpose, max: -1, entries: 0 };
          u.max = Math.max(u.max, c.statusListIndex);
          u.entries++;
          used.set(url, u);
        }
      }
      // Lists `revocation-N` / `suspension-N`, filled in turn, STATUS_LIST_MIN_ENTRIES each.
      let n = 1;
      let index = 0;
      for (;;) {
        const r = used.get(`${base}revocation-${n}`)?.max ?? -1;
        const s = used.get(`${base}suspension-${n}`)?.max ?? -1;
        index = Math.max(r, s) + 1;
        if (index < STATUS_LIST_MIN_ENTRIES) break;
        n++;
      }
      return {
        lists: [...used].map(([url, u]) => ({ id: url.slice(base.length), url, purpose: u.purpose, entries: u.entries })),
        next: { revocationList: `${base}revocation-${n}`, suspensionList: `${base}suspension-${n}`, statusListIndex: index },
      };
    },

    async roleEvidence(id, treeSize) {
      const state = service.registry();
      const c = state.certificates.get(id);
      if (c === undefined) throw new ServiceError('HTTP_NOT_FOUND', `no certificate.issued record for ${id}`, { details: { id } });
      const idx = roleEvidenceIndexes(state, c.issuer);
      const [genesis, grant] = await Promise.all([service.entries(0, 1), service.entries(idx.grant, idx.grant + 1)]);
      const [gp, rp] = await Promise.all([service.inclusionProof(idx.genesis, treeSize), service.inclusionProof(idx.grant, treeSize)]);
      return {
        treeSize,
        genesis: { record: genesis[0] as LedgerRecord, proof: gp.map(toBase64) },
        grant: { record: grant[0] as LedgerRecord, proof: rp.map(toBase64) },
      };
    },
  };
  return desk;
}
