/**
 * `openService({ dataDir })`: opens (creating on first use) a data directory holding the
 * LevelDB ledger and the keys the service needs, replays the registry, and returns the
 * ledger service that `buildApp` serves.
 *
 * Layout of a data directory:
 * - `ledger/`   the LevelDB store of the log;
 * - `log.key`   the log's Ed25519 seed (base64, mode 0600): signs checkpoints;
 * - `root.key`  the root authority's Ed25519 seed (base64, mode 0600): signed the genesis
 *               record and grants roles (keep it offline once roles are granted);
 * - `log.vkey`  the log's C2SP verifier key (public: verifiers trust checkpoints signed by it);
 * - `root.did`  the root authority's did:key (public).
 *
 * With `database` (`--database`, `DATABASE_URL`) the log lives in PostgreSQL
 * (`@dataledger/store-postgres`) instead of `ledger/`; the keys stay in the data directory.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataLedgerError,
  didKeyFromPublicKey,
  fromBase64,
  generateKeyPair,
  keyPairFromSeed,
  publicKeyFromDidKey,
  sha256,
  toBase64,
  utf8Encode,
  type KeyPair,
} from '@dataledger/core';
import { buildRecord, Log, openLevelStore, parseVerifierKey, verifierKey, type LedgerRecord, type RecordStore } from '@dataledger/provenance';
import {
  applyRecord,
  assetStatus,
  auditBundle,
  rolesOf,
  RegistryAuditor,
  statisticsReport,
  verifyCertificate,
  type RegistryState,
} from '@dataledger/certificates';
import type { RegistryView } from './context.ts';
import { registryPrecheck, type AppendQueueOptions } from './ledger.ts';
import { createLedgerService, type StatefulLedgerService } from './service.ts';

/** Default origin line of a new ledger's log (C2SP tlog-checkpoint). */
export const DEFAULT_ORIGIN: string = 'dataledger.local/log';

/** Options of {@link openService}. */
export interface OpenServiceOptions extends AppendQueueOptions {
  /** The data directory (created when missing, unless `mustExist`). */
  dataDir: string;
  /** Origin of a new ledger's log (default {@link DEFAULT_ORIGIN}); an existing ledger keeps its own. */
  origin?: string;
  /** Name of a new ledger, written in its genesis record (default: the origin). */
  ledgerName?: string;
  /** Payload limit of records, bytes of canonical JSON (default 65,536). */
  maxPayloadBytes?: number;
  /** Refuse to create a new data directory (default false). */
  mustExist?: boolean;
  /** fsync every append before acknowledging it (default true; LevelDB only). */
  sync?: boolean;
  /**
   * A `postgres://` URL: keep the log in PostgreSQL (schema `dataledger`) instead of the data
   * directory's LevelDB. One process at a time per database for now.
   */
  database?: string;
  /**
   * Certificates whose time-independent verification results are kept (default 16,384; 0
   * disables): exchanges re-verify the same certificates; validity and status are always
   * evaluated afresh.
   */
  certificateCacheSize?: number;
}

/** The root authority of a data directory. */
export interface RootAuthority {
  did: string;
  publicKey: Uint8Array;
  /** null when `root.key` is not in the data directory (kept offline). */
  secretKey: Uint8Array | null;
}

/** The service over a data directory. */
export interface DataDirService extends StatefulLedgerService<RegistryState> {
  /** The data directory. */
  readonly dataDir: string;
  /** True when this open created the ledger (first start). */
  readonly created: boolean;
  /** The root authority named by the genesis record. */
  readonly rootAuthority: RootAuthority;
  /** Refused records skipped while replaying the registry at open (0 for a ledger this service wrote). */
  readonly replaySkipped: number;
}

/** Paths of the files of a data directory. */
export function dataDirPaths(dataDir: string): { ledger: string; logKey: string; rootKey: string; logVkey: string; rootDid: string } {
  return {
    ledger: join(dataDir, 'ledger'),
    logKey: join(dataDir, 'log.key'),
    rootKey: join(dataDir, 'root.key'),
    logVkey: join(dataDir, 'log.vkey'),
    rootDid: join(dataDir, 'root.did'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readKey(path: string): Promise<KeyPair> {
  const text = (await readFile(path, 'utf8')).trim();
  let seed: Uint8Array;
  try {
    seed = fromBase64(text);
  } catch (cause) {
    throw new DataLedgerError('CORE_KEY_INVALID', `${path}: not a base64 Ed25519 seed`, { cause });
  }
  return keyPairFromSeed(seed);
}

async function writeSecret(path: string, key: KeyPair): Promise<void> {
  // 'wx': never overwrite an existing key; 0600: only the owner may read a secret key.
  await writeFile(path, `${toBase64(key.secretKey)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
}

/**
 * Read access to a registry state for the routes.
 * @param state - the registry state
 * @returns the view
 */
export function registryView(state: RegistryState): RegistryView {
  return {
    rolesOf: (did) => (did === state.rootAuthority ? [...rolesOf(state, did), 'root'] : rolesOf(state, did)),
    asset: (id) => {
      const a = state.assets.get(id);
      return a === undefined ? undefined : { ...a, status: assetStatus(a, Date.now()) };
    },
    licence: (id) => state.licences.get(id),
    certificate: (id) => state.certificates.get(id),
    statistics: () => statisticsReport(state),
    aggregation: (id) => state.aggregations.get(id),
  };
}

/**
 * Opens the ledger of a data directory, creating it on first use: keys written 0600, the
 * LevelDB store, and the genesis record naming the root authority. The registry state is
 * replayed from the log.
 * @param options - the data directory and creation options
 * @returns the service (close it to flush in-flight appends and release the store)
 * @throws DataLedgerError `STORE_IO` (e.g. the store is locked by another process),
 *   `CORE_KEY_INVALID` (an unreadable key file), `STORE_CORRUPT`
 */
export async function openService(options: OpenServiceOptions): Promise<DataDirService> {
  const dataDir = options.dataDir;
  if (typeof dataDir !== 'string' || dataDir.length === 0) throw new TypeError('options.dataDir: expected a directory path');
  const paths = dataDirPaths(dataDir);
  const isNew = !(await exists(paths.logKey));
  if (isNew && options.mustExist === true) {
    throw new DataLedgerError('STORE_IO', `${dataDir}: no ledger here`, { details: { dataDir } });
  }
  // A database is opened before any key is written: a data directory without keys must not
  // adopt (and re-sign with a fresh key) a log that a database already holds.
  let store: RecordStore | null = null;
  if (options.database !== undefined) {
    // Loaded only when asked for, so a LevelDB ledger never loads the PostgreSQL client.
    const { openPostgresStore } = await import('@dataledger/store-postgres');
    store = await openPostgresStore({ connectionString: options.database });
    if (isNew && (await store.get('config')) !== undefined) {
      await store.close();
      throw new DataLedgerError('STORE_IO', `${dataDir}: the database already holds a ledger whose keys are not in this data directory`, {
        details: { dataDir },
      });
    }
  }
  let origin: string;
  let logKey: KeyPair;
  if (isNew) {
    origin = options.origin ?? DEFAULT_ORIGIN;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    logKey = generateKeyPair();
    if (!(await exists(paths.rootKey))) await writeSecret(paths.rootKey, generateKeyPair());
    // The origin is published with the verifier key (its name); write the public files first
    // and the log key last, so a crash mid-creation is retried as a creation.
    await writeFile(paths.logVkey, `${verifierKey(origin, logKey.publicKey)}\n`, { mode: 0o644 });
    await writeSecret(paths.logKey, logKey);
  } else {
    logKey = await readKey(paths.logKey);
    const vkey = (await readFile(paths.logVkey, 'utf8')).trim();
    origin = parseVerifierKey(vkey).name;
  }
  const root = (await exists(paths.rootKey)) ? await readKey(paths.rootKey) : null;

  store ??= await openLevelStore(paths.ledger, { sync: options.sync ?? true });
  let log: Log;
  try {
    log = await Log.open(store, {
      origin,
      logKey: { secretKey: logKey.secretKey },
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    let created = false;
    if (log.size === 0) {
      if (root === null) throw new DataLedgerError('CORE_KEY_INVALID', `${paths.rootKey}: needed to write the genesis record`);
      const genesis = buildRecord(
        log.head(),
        { type: 'ledger.genesis', payload: { rootAuthority: didKeyFromPublicKey(root.publicKey), ledgerName: options.ledgerName ?? origin } },
        root,
      );
      await log.append(genesis);
      created = true;
    }
    // Replay the registry; a record the rules refuse (a ledger written by other tools) is skipped.
    const auditor = new RegistryAuditor();
    for await (const r of log.records(0, log.size)) auditor.push(r);
    const state = auditor.state;
    const first = (await log.entries(0, 1))[0] as LedgerRecord;
    const rootDid = state.rootAuthority ?? first.actor;
    await writeFile(paths.rootDid, `${rootDid}\n`, { mode: 0o644 });

    const verifyCache: VerifyCache = { max: options.certificateCacheSize ?? 16_384, entries: new Map() };
    const base = createLedgerService<RegistryState>({
      log,
      origin,
      apply: (s, r) => applyRecord(s, r),
      precheck: registryPrecheck,
      state,
      maxPayloadBytes: options.maxPayloadBytes ?? 65_536,
      view: registryView,
      audit: async (svc) => {
        const report = await auditBundle(svc.exportBundle(), { trustedLogKeys: [svc.logVerifierKey] });
        // The replayed state is internal; the report is what a regulator reads.
        return { valid: report.valid, records: report.records, violations: report.violations, statistics: report.statistics, integrity: report.integrity };
      },
      verifyCertificate: async (body, svc, raw) => verifyAgainstLedger(body, svc, verifyCache, raw),
      ...queueOptions(options),
    });
    const rootPk = root?.publicKey ?? null;
    return Object.assign(base, {
      dataDir,
      aggregationDir: join(dataDir, 'aggregation'),
      created,
      rootAuthority: {
        did: rootDid,
        publicKey: rootPk ?? publicKeyFromDidKey(rootDid),
        secretKey: root?.secretKey ?? null,
      },
      replaySkipped: auditor.violations.length,
    });
  } catch (err) {
    await log.close();
    throw err;
  }
}

function queueOptions(o: AppendQueueOptions): AppendQueueOptions {
  const out: AppendQueueOptions = {};
  if (o.aheadWaitMs !== undefined) out.aheadWaitMs = o.aheadWaitMs;
  if (o.maxBatchRecords !== undefined) out.maxBatchRecords = o.maxBatchRecords;
  return out;
}

type Check = { name: string; ok: boolean; code?: string };

/**
 * Results of the time-independent checks of certificates seen recently (proof, checkpoint,
 * record, inclusion, issuer), keyed by a hash of the certificate as received and valid while
 * the registry's roles are unchanged. Exchanges re-verify the same certificates often; the
 * validity window and the status are re-evaluated on every request.
 */
type VerifyCache = { max: number; entries: Map<string, { roles: unknown; checks: Check[] }> };

function validityCheck(cert: unknown, at: number): Check {
  const c = cert as { validFrom?: unknown; validUntil?: unknown };
  const from = Date.parse(c.validFrom as string);
  const until = Date.parse(c.validUntil as string);
  if (Number.isNaN(from) || Number.isNaN(until)) return { name: 'validity', ok: false, code: 'CERT_MALFORMED' };
  if (at < from) return { name: 'validity', ok: false, code: 'CERT_NOT_YET_VALID' };
  if (at > until) return { name: 'validity', ok: false, code: 'CERT_EXPIRED' };
  return { name: 'validity', ok: true };
}

/**
 * An exchange's check of a certificate against this ledger: the certificates package's
 * offline checks with this log's key, the issuers that hold the `registry` role now, and the
 * certificate's status as the ledger records it (suspensions and revocations are records).
 * The body is the certificate, or `{ certificate, statusList }`.
 */
async function verifyAgainstLedger(
  body: unknown,
  svc: StatefulLedgerService<RegistryState>,
  cache: VerifyCache,
  raw?: string,
): Promise<{ verified: boolean; checks: Check[] }> {
  const state = svc.registry();
  const wrapped = typeof body === 'object' && body !== null && 'certificate' in body && !('proof' in body);
  const cert = wrapped ? (body as { certificate: unknown }).certificate : body;
  const statusList = wrapped ? (body as { statusList?: unknown }).statusList : undefined;
  const now = Date.now();
  let checks: Check[];
  const proof = (cert as { proof?: { expires?: unknown } } | null)?.proof;
  const cacheable = cache.max > 0 && statusList === undefined && typeof proof === 'object' && proof !== null && !('expires' in proof);
  // The body as received when the route kept it (a certificate alone); else its JSON form.
  const text = raw !== undefined && !wrapped ? raw : cacheable ? JSON.stringify(cert) : '';
  const key = cacheable ? toBase64(sha256(utf8Encode(svc.logVerifierKey), utf8Encode(text))) : '';
  const hit = cacheable ? cache.entries.get(key) : undefined;
  if (hit !== undefined && hit.roles === state.roles) {
    checks = hit.checks.map((c) => (c.name === 'validity' ? validityCheck(cert, now) : { ...c }));
  } else {
    const registries: string[] = [];
    for (const [did, roles] of state.roles.entries()) if (roles.includes('registry')) registries.push(did);
    const result = verifyCertificate(cert, {
      trustedLogKeys: [svc.logVerifierKey],
      trustedIssuers: registries,
      at: new Date(now),
      ...(statusList === undefined ? {} : { statusList: statusList as never }),
    });
    checks = result.checks.map((c) => ({ name: c.name, ok: c.ok, ...(c.code === undefined ? {} : { code: c.code }) }));
    if (cacheable) {
      if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value as string);
      // state.roles is persistent: the same object means the same roles.
      cache.entries.set(key, { roles: state.roles, checks: checks.filter((c) => c.name !== 'status').map((c) => ({ ...c })) });
    }
  }
  if (statusList === undefined) {
    // No status list presented: the ledger itself is the status authority.
    const id = typeof cert === 'object' && cert !== null ? (cert as { id?: unknown }).id : undefined;
    const known = typeof id === 'string' ? findCertificate(state, id) : undefined;
    const status: Check =
      known === undefined
        ? { name: 'status', ok: false, code: 'CERT_STATUS_UNAVAILABLE' }
        : known.status === 'active'
          ? { name: 'status', ok: true }
          : { name: 'status', ok: false, code: known.status === 'revoked' ? 'CERT_STATUS_REVOKED' : 'CERT_STATUS_SUSPENDED' };
    // One status check per status entry (revocation, suspension) becomes the ledger's one.
    checks = [...checks.filter((c) => c.name !== 'status'), status];
  }
  return { verified: checks.length > 0 && checks.every((c) => c.ok), checks };
}

function findCertificate(state: RegistryState, id: string): { status: string } | undefined {
  const direct = state.certificates.get(id);
  if (direct !== undefined) return direct;
  // Certificates may carry a URN form of their id.
  for (const c of state.certificates.values()) if (id.endsWith(c.certificateId)) return c;
  return undefined;
}
