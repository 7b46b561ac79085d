/**
 * `openService({ dataDir })`: opens (creating on first use) a data directory holding the
 * LevelDB ledger and the keys the service needs, replays the registry, and returns the
 * ledger service that `buildApp` serves.
 *
 * Layout of a data directory:
 * - `ledger/`   the LevelDB store of the log;
 * - `log.key`   the log's key file ({@link formatKeyFile}, mode 0600): signs checkpoints;
 * - `root.key`  the root authority's key file (mode 0600): signed the genesis record and
 *               grants roles (keep it offline once roles are granted);
 * - `log.vkey`  the log's C2SP verifier key (public: verifiers trust checkpoints signed by it);
 * - `root.did`  the root authority's did:key (public);
 * - `certificates/` signed certificates published by their registries (one file each);
 * - `vault/`    the LevelDB disclosure vault: the confidential members of logged records
 *               (their SD-JWT disclosures, by digest), apart from the log so that erasure
 *               can delete them while the log stays append-only.
 *
 * With `database` (`--database`, `DATABASE_URL`) the log lives in PostgreSQL
 * (`@dataledger/store-postgres`) instead of `ledger/`, and the vault in the same database and
 * schema (its own table); so do the published certificates (instead of `certificates/`), the
 * witnesses' cosignatures and the nonces of signed reads, which every instance serving the
 * database shares (store-postgres `openPostgresShared`). The keys stay in the data directory.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import {
  canonicalBytes,
  DataLedgerError,
  didKeyFromPublicKey,
  fromBase64,
  fromBase64Url,
  fromHex,
  generateKeyPair,
  getPublicKey,
  keyPairFromSeed,
  parseJson,
  publicKeyFromDidKey,
  sha256,
  toBase64,
  toBase64Url,
  toHex,
  utf8Encode,
  type KeyPair,
} from '@dataledger/core';
import {
  buildRecord,
  DEFAULT_MAX_BATCH_RECORDS,
  Log,
  openLevelStore,
  openLevelVault,
  type DisclosureVault,
  parseVerifierKey,
  verifierKey,
  type LedgerRecord,
  type RecordStore,
} from '@dataledger/provenance';
import type { AggregationKeeping, LogCluster, PostgresShared } from '@dataledger/store-postgres';
import {
  applyRecord,
  assetStatus,
  parsePayload,
  auditBundle,
  certificateStatus,
  DEFAULT_DISCLOSURE_POLICY,
  disclosureMap,
  issuanceRecordIndex,
  rolesOf,
  RegistryAuditor,
  skipRecord,
  statisticsReport,
  verifyCertificate,
  type AssetState,
  type DisclosurePolicy,
  type JsonObject,
  type LicenceState,
  type OpenedDisclosure,
  type RegistryState,
} from '@dataledger/certificates';
import { mayReadDisclosures, recordDigests, withRevealed } from './disclosures.ts';
import { createCertificateDesk, directoryShelf, type CertificateDesk, type CertificateShelf } from './certificate-desk.ts';
import { sharedNonceStore } from './httpsig.ts';
import type { RegistryView } from './context.ts';
import { registryPrecheck, type AppendQueueOptions } from './append-queue.ts';
import { LedgerService } from './service.ts';
import { Sequencer, vouchKeyOf, type SequencerOptions } from './sequencer.ts';

/**
 * Prefix of a new ledger's default origin. The origin itself is {@link defaultOriginOf} the
 * log key, so two fresh data directories never share one: a checkpoint of one ledger can
 * never be taken for a checkpoint of another (C2SP tlog-checkpoint: the origin line is the
 * unique identifier of the log).
 */
export const DEFAULT_ORIGIN: string = 'dataledger.local/log';

/**
 * The default origin of a log: {@link DEFAULT_ORIGIN}, a slash, and the first 16 hex digits
 * of SHA-256 of the log's public key (a schema-less, URL-like name, as C2SP tlog-checkpoint
 * recommends). The origin is stored in the data directory once, as the key name of
 * `log.vkey`, and read back from there on every later open.
 * @param logPublicKey - the log's 32-byte Ed25519 public key
 * @returns the origin, e.g. `dataledger.local/log/3f2a9c0e51b7d4a6`
 */
export function defaultOriginOf(logPublicKey: Uint8Array): string {
  return `${DEFAULT_ORIGIN}/${toHex(sha256(logPublicKey)).slice(0, 16)}`;
}

/**
 * Refuses a ledger name the genesis schema refuses (certificates' `parsePayload`).
 * @throws DataLedgerError `REGISTRY_PAYLOAD_INVALID` (not a string of 1–200 characters),
 *   `REGISTRY_PUBLIC_PII` (an unmasked resident ID or mobile number: the name is public)
 */
function checkLedgerName(ledgerName: string): void {
  parsePayload('ledger.genesis', { rootAuthority: didKeyFromPublicKey(NAME_CHECK_KEY), ledgerName });
}

// Any valid key: the name check needs a well-formed genesis around the name.
const NAME_CHECK_KEY = new Uint8Array(32).fill(1);

/**
 * The ledger name of a new ledger whose name was not given: its origin, unless the genesis
 * schema refuses that as a name. An origin may be longer than a name (512 characters against
 * 200), and the 16 hex digits of a default origin can, about once in a few hundred keys, read
 * as a mobile number (`…a13812345678b…`), which the public-text guard refuses (README
 * "Desensitisation"); then the name is {@link DEFAULT_ORIGIN}.
 * @param origin - the new log's origin
 * @returns the name the genesis record carries
 */
export function defaultLedgerName(origin: string): string {
  try {
    checkLedgerName(origin);
    return origin;
  } catch {
    return DEFAULT_ORIGIN;
  }
}

/** Options of {@link openService}. */
export interface OpenServiceOptions extends AppendQueueOptions {
  /** The data directory (created when missing, unless `mustExist`). */
  dataDir: string;
  /** Origin of a new ledger's log (default {@link defaultOriginOf} its log key); an existing ledger keeps its own. */
  origin?: string;
  /**
   * Name of a new ledger, written in its genesis record: public free text of at most 200
   * characters, with no unmasked resident ID or mobile number (default: the origin, or
   * {@link DEFAULT_ORIGIN} when the origin is not such a name).
   */
  ledgerName?: string;
  /** Payload limit of records, bytes of canonical JSON (default 65,536). */
  maxPayloadBytes?: number;
  /**
   * How far a record's time may be ahead of the server clock, in milliseconds (default 5
   * minutes); later-dated records are refused with `LEDGER_TIME_AHEAD`.
   */
  maxClockSkewMs?: number;
  /** Refuse to create a new data directory (default false). */
  mustExist?: boolean;
  /** fsync every append before acknowledging it (default true; LevelDB only). */
  sync?: boolean;
  /**
   * A `postgres://` URL: keep the log in PostgreSQL (schema `dataledger`) instead of the data
   * directory's LevelDB. Any number of processes may serve one database, each with the same
   * log key in its data directory: one sequences at a time, the others forward their writes
   * to it ({@link Sequencer}; README "Scaling out").
   */
  database?: string;
  /** Timings of the instances sharing a database (`database` only). */
  cluster?: SequencerOptions;
  /**
   * Certificates whose time-independent verification results are kept (default 16,384; 0
   * disables): exchanges re-verify the same certificates; validity and status are always
   * evaluated afresh.
   */
  certificateCacheSize?: number;
  /** `ttl` of the status lists the service signs, milliseconds (default 300,000: five minutes). */
  statusListTtlMs?: number;
  /**
   * The small-cell threshold k of the statistics report and of the audit's report (default 5):
   * counts of 1 to k−1 contributors are suppressed (certificates' `statisticsReport`).
   */
  minStatisticsCell?: number;
  /**
   * Which payload members are confidential (default `DEFAULT_DISCLOSURE_POLICY`;
   * `serve --public-member type:path` publishes some).
   */
  disclosurePolicy?: DisclosurePolicy;
}

/** The root authority of a data directory. */
export interface RootAuthority {
  did: string;
  publicKey: Uint8Array;
  /** null when `root.key` is not in the data directory (kept offline). */
  secretKey: Uint8Array | null;
}

/** What a data directory adds to its {@link LedgerService}. */
export interface DataDirFacts {
  /** The data directory. */
  readonly dataDir: string;
  /** True when this open created the ledger (first start). */
  readonly created: boolean;
  /** The root authority named by the genesis record. */
  readonly rootAuthority: RootAuthority;
  /** Refused records skipped while replaying the registry at open (0 for a ledger this service wrote). */
  readonly replaySkipped: number;
  /** Signed certificates and status lists published by this service. */
  readonly certificates: CertificateDesk;
  /** On PostgreSQL: this instance's part among those serving the database (its role, and changes of it). */
  readonly sequencer?: Sequencer;
}

/** The service over a data directory. */
export type DataDirService = LedgerService<RegistryState> & DataDirFacts;

/** Paths of the files of a data directory. */
export function dataDirPaths(dataDir: string): {
  ledger: string;
  vault: string;
  logKey: string;
  rootKey: string;
  logVkey: string;
  rootDid: string;
  certificates: string;
} {
  return {
    certificates: join(dataDir, 'certificates'),
    ledger: join(dataDir, 'ledger'),
    vault: join(dataDir, 'vault'),
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

/**
 * The key-file JSON: one format for every key (`dataledger keygen`, `root.key`, `log.key`).
 * Data directories of earlier releases held a bare base64 seed; {@link parseKeyFile} still
 * reads those.
 */
export interface KeyFileJson {
  type: 'Ed25519';
  /** did:key of the public key: informative, re-derived on load and checked. */
  did: string;
  /** The 32-byte Ed25519 seed (RFC 8032 §5.1.5), base64url without padding. */
  secretKey: string;
}

/**
 * Serialises an Ed25519 seed as a key file.
 * @param secretKey - 32-byte Ed25519 seed
 * @returns the key-file text (JSON, one trailing newline)
 * @throws RangeError if `secretKey` is not 32 bytes
 */
export function formatKeyFile(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new RangeError('secretKey must be 32 bytes');
  const body: KeyFileJson = { type: 'Ed25519', did: didKeyFromPublicKey(getPublicKey(secretKey)), secretKey: toBase64Url(secretKey) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Parses a key file: the JSON of {@link formatKeyFile} (`secretKey` as base64url, base64 or
 * hex), or a bare seed as hex, base64url or base64 (data directories of earlier releases). A
 * `did` member that disagrees with the seed is refused rather than trusted.
 * @param text - the file's content
 * @returns the key pair
 * @throws DataLedgerError `CORE_KEY_INVALID`
 */
export function parseKeyFile(text: string): KeyPair {
  const trimmed = text.trim();
  let encoded: string;
  let claimedDid: string | undefined;
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      // A key file is read at a trust boundary too: the safe reader (nodejs/node#63785).
      json = parseJson(trimmed, { maxBytes: 65_536 });
    } catch (cause) {
      throw new DataLedgerError('CORE_KEY_INVALID', 'key file is not valid JSON', { cause });
    }
    const obj = (typeof json === 'object' && json !== null ? json : {}) as { secretKey?: unknown; did?: unknown; type?: unknown };
    if (obj.type !== undefined && obj.type !== 'Ed25519') throw new DataLedgerError('CORE_KEY_INVALID', 'key file "type" must be "Ed25519"');
    if (typeof obj.secretKey !== 'string') throw new DataLedgerError('CORE_KEY_INVALID', 'key file has no "secretKey" string');
    encoded = obj.secretKey;
    if (typeof obj.did === 'string') claimedDid = obj.did;
  } else {
    encoded = trimmed;
  }
  let seed: Uint8Array | undefined;
  for (const decode of [fromHex, fromBase64Url, fromBase64]) {
    try {
      const bytes = decode(encoded);
      if (bytes.length === 32) {
        seed = bytes;
        break;
      }
    } catch {
      // not this encoding; try the next
    }
  }
  if (seed === undefined) throw new DataLedgerError('CORE_KEY_INVALID', 'key file secret must be a 32-byte Ed25519 seed (base64url, base64 or hex)');
  const key = keyPairFromSeed(seed);
  if (claimedDid !== undefined && claimedDid !== didKeyFromPublicKey(key.publicKey)) {
    throw new DataLedgerError('CORE_KEY_INVALID', 'key file "did" does not match its secret key');
  }
  return key;
}

/**
 * True when `origin` can name a log: a non-empty line of at most 512 characters without
 * spaces, control characters or `+` (it is also the checkpoint key name, C2SP signed-note).
 * @param origin - the candidate
 * @returns whether it is usable
 */
export function isOrigin(origin: string): boolean {
  return typeof origin === 'string' && origin.length > 0 && origin.length <= 512 && !/[\s+\u0000-\u001F]/u.test(origin);
}

async function readKey(path: string): Promise<KeyPair> {
  const text = await readFile(path, 'utf8');
  try {
    return parseKeyFile(text);
  } catch (cause) {
    throw new DataLedgerError('CORE_KEY_INVALID', `${path}: ${(cause as Error).message}`, { cause });
  }
}

async function writeSecret(path: string, key: KeyPair): Promise<void> {
  // 'wx': never overwrite an existing key; 0600: only the owner may read a secret key.
  await writeFile(path, formatKeyFile(key.secretKey), { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
}

/**
 * An asset without the values of its confidential members (those `sealed` names: the digests
 * stay), whatever the state knows of them: what every route serves before a reader's
 * disclosures are added (DESIGN.md "Confidential payloads", reads).
 */
export function sealedAsset(
  a: AssetState,
): Omit<AssetState, 'valuation' | 'description' | 'subjects'> & Partial<Pick<AssetState, 'valuation' | 'description' | 'subjects'>> {
  const out: Record<string, unknown> = { ...a };
  for (const path of Object.keys(a.sealed)) {
    if (path === 'holder.name') {
      const { name: _hidden, ...holder } = a.holder;
      out['holder'] = holder;
    } else delete out[path];
  }
  return out as ReturnType<typeof sealedAsset>;
}

/**
 * A licence without its licensee's name when its grant concealed members (the digests are on
 * the grant record, `grantedIndex`).
 */
export function sealedLicence(l: LicenceState, grantSealed: boolean): LicenceState {
  if (!grantSealed || l.licensee.name === undefined) return l;
  const { name: _hidden, ...licensee } = l.licensee;
  return { ...l, licensee };
}

/**
 * Read access to a registry state for the routes. Assets and licences come without the values
 * of their confidential members ({@link sealedAsset}): the read routes add them for a signer
 * the policy lets see them, from the vault.
 * @param state - the registry state
 * @param options - `minStatisticsCell`: the statistics report's small-cell threshold (default 5)
 * @returns the view
 */
export function registryView(state: RegistryState, options: { minStatisticsCell?: number } = {}): RegistryView {
  const roles = (did: string): readonly string[] => (did === state.rootAuthority ? [...rolesOf(state, did), 'root'] : rolesOf(state, did));
  return {
    rolesOf: roles,
    asset: (id) => {
      const a = state.assets.get(id);
      return a === undefined ? undefined : { ...sealedAsset(a), status: assetStatus(a, Date.now()) };
    },
    licence: (id) => {
      const l = state.licences.get(id);
      return l === undefined ? undefined : sealedLicence(l, state.sealedRecords.has(String(l.grantedIndex)));
    },
    mayReadDisclosures: (reader, record) => mayReadDisclosures(state, reader, roles(reader), record),
    certificate: (id) => state.certificates.get(id),
    statistics: () => statisticsReport(state, options.minStatisticsCell === undefined ? {} : { minCell: options.minStatisticsCell }),
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
  if (options.origin !== undefined && !isOrigin(options.origin)) {
    throw new TypeError('options.origin: expected a non-empty name without spaces or "+" (e.g. example.org/log)');
  }
  // Checked before anything is written: a genesis the registry refuses would leave a ledger
  // nobody may write to (its root authority is never recorded).
  if (options.ledgerName !== undefined) checkLedgerName(options.ledgerName);
  if (options.minStatisticsCell !== undefined && !(Number.isSafeInteger(options.minStatisticsCell) && options.minStatisticsCell >= 1)) {
    throw new TypeError('options.minStatisticsCell: expected a positive integer');
  }
  const paths = dataDirPaths(dataDir);
  const isNew = !(await exists(paths.logKey));
  if (isNew && options.mustExist === true) {
    throw new DataLedgerError('STORE_IO', `${dataDir}: no ledger here`, { details: { dataDir } });
  }
  // A database is opened before any key is written: a data directory without keys must not
  // adopt (and re-sign with a fresh key) a log that a database already holds.
  let store: RecordStore | null = null;
  let cluster: LogCluster | null = null;
  let leading = false;
  if (options.database !== undefined) {
    // Loaded only when asked for, so a LevelDB ledger never loads the PostgreSQL client.
    const { openPostgresCluster, openPostgresStore } = await import('@dataledger/store-postgres');
    cluster = await openPostgresCluster({ connectionString: options.database });
    try {
      // Whoever takes the lease first sequences (and creates the ledger, on an empty database).
      leading = await cluster.tryLead();
      // Not exclusive: the other instances read it too; fenced on the head, so only a writer
      // whose view is current can append (README "Scaling out").
      store = await openPostgresStore({ connectionString: options.database, exclusive: false, fenceKey: 'head' });
      if (isNew && (await store.get('config')) !== undefined) {
        throw new DataLedgerError('STORE_IO', `${dataDir}: the database already holds a ledger whose keys are not in this data directory`, {
          details: { dataDir },
        });
      }
      if (!leading) leading = await awaitGenesis(store, cluster);
    } catch (err) {
      await store?.close();
      await cluster.close();
      throw err;
    }
  }
  let origin: string;
  let logKey: KeyPair;
  if (isNew) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    logKey = generateKeyPair();
    origin = options.origin ?? defaultOriginOf(logKey.publicKey);
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
  // The vault beside the log: its own LevelDB directory, or the same database and schema.
  let vault: DisclosureVault;
  // The aggregation jobs too: in the database, every instance serves every job (README
  // "Scaling out"); else `<data>/aggregation/` (aggregationDir below).
  let aggregationKeeping: AggregationKeeping | null = null;
  // On PostgreSQL, what the instances share beside the log (certificates, cosignatures, nonces).
  let shared: PostgresShared | null = null;
  try {
    if (options.database !== undefined) {
      const { openPostgresAggregation, openPostgresShared, openPostgresVault } = await import('@dataledger/store-postgres');
      vault = await openPostgresVault({ connectionString: options.database });
      try {
        aggregationKeeping = await openPostgresAggregation({ connectionString: options.database });
        shared = await openPostgresShared({ connectionString: options.database });
      } catch (err) {
        await aggregationKeeping?.close();
        await vault.close();
        throw err;
      }
    } else {
      vault = await openLevelVault(paths.vault);
    }
  } catch (err) {
    await store.close();
    await cluster?.close();
    throw err;
  }
  let log: Log;
  try {
    log = await Log.open(store, {
      origin,
      logKey: { secretKey: logKey.secretKey },
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
      ...(options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs }),
      // The append queue groups up to its own maxBatchRecords into one Log batch.
      ...(options.maxBatchRecords === undefined ? {} : { maxBatchRecords: Math.max(options.maxBatchRecords, DEFAULT_MAX_BATCH_RECORDS) }),
    });
  } catch (err) {
    await store.close();
    await vault.close();
    await aggregationKeeping?.close();
    await shared?.close();
    await cluster?.close();
    throw err;
  }
  try {
    let created = false;
    if (log.size === 0) {
      if (root === null) throw new DataLedgerError('CORE_KEY_INVALID', `${paths.rootKey}: needed to write the genesis record`);
      const genesis = buildRecord(
        log.head(),
        {
          type: 'ledger.genesis',
          payload: { rootAuthority: didKeyFromPublicKey(root.publicKey), ledgerName: options.ledgerName ?? defaultLedgerName(origin) },
        },
        root,
      );
      await log.append(genesis);
      created = true;
    }
    const { auditor, erased } = await replayRegistry(log, vault);
    // Erasures on the log are erased from the vault again (idempotent): this covers a crash
    // between the append of a `disclosure.erased` record and the vault's erase.
    for (let i = 0; i < erased.length; i += 1024) await vault.erase(erased.slice(i, i + 1024));
    const state = auditor.state;
    const first = (await log.entries(0, 1))[0] as LedgerRecord;
    const rootDid = state.rootAuthority ?? first.actor;
    await writeFile(paths.rootDid, `${rootDid}\n`, { mode: 0o644 });

    const cacheSize = options.certificateCacheSize ?? 16_384;
    const k = options.minStatisticsCell;
    const verifyCache: VerifyCache | null = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : null;
    // Set right below, before the service answers anything.
    let desk: CertificateDesk | null = null;
    const base = new LedgerService<RegistryState>({
      log,
      origin,
      apply: (s, r, disclosures) => applyRecord(s, r, disclosures === undefined ? {} : withRevealed(disclosures, r)),
      precheck: registryPrecheck,
      // Records another instance appended (one PostgreSQL log): with the vault's disclosures, leniently.
      applyLogged: (s, rs) => applyLogged(s, rs, vault),
      state,
      vault,
      disclosurePolicy: options.disclosurePolicy ?? DEFAULT_DISCLOSURE_POLICY,
      maxPayloadBytes: options.maxPayloadBytes ?? 65_536,
      view: (s) => registryView(s, k === undefined ? {} : { minStatisticsCell: k }),
      audit: async (svc) => {
        // The regulator's replay checks every rule: with the vault's disclosures of the logged
        // records (an erased member leaves its rules reported in `unchecked`).
        const disclosures = await loggedDisclosures(svc.log, vault);
        const report = await auditBundle(svc.exportBundle(), { trustedLogKeys: [svc.logVerifierKey], disclosures, ...(k === undefined ? {} : { minCell: k }) });
        // The replayed state is internal; the report is what a regulator reads.
        return {
          valid: report.valid,
          records: report.records,
          violations: report.violations,
          statistics: report.statistics,
          integrity: report.integrity,
          unchecked: report.unchecked,
          complete: report.complete,
          erasures: report.erasures,
          disclosures: report.disclosures,
        };
      },
      verifyCertificate: async (body, svc) => verifyAgainstLedger(body, svc, desk as CertificateDesk, verifyCache),
      // The service owns the shared aggregation keeping and the shared stores, as it owns the
      // vault; closed after the log and the vault (LedgerService.close): nothing reads them then.
      ...(aggregationKeeping === null && shared === null
        ? {}
        : {
            onClose: async () => {
              await aggregationKeeping?.close();
              await shared?.close();
            },
          }),
      ...queueOptions(options),
    });
    if (shared !== null) {
      base.cosignatures = shared.cosignatures;
      base.nonces = sharedNonceStore(shared.nonces);
    }
    const shelf: CertificateShelf = shared === null ? await directoryShelf(paths.certificates) : shared.certificates;
    desk = createCertificateDesk({
      service: base,
      logSecretKey: logKey.secretKey,
      shelf,
      ...(options.statusListTtlMs === undefined ? {} : { statusListTtlMs: options.statusListTtlMs }),
    });
    const rootPk = root?.publicKey ?? null;
    let sequencer: Sequencer | undefined;
    if (cluster !== null) {
      sequencer = new Sequencer(base as LedgerService<unknown>, cluster, { vouchKey: vouchKeyOf(logKey.secretKey), ...options.cluster });
      base.setRouter(sequencer);
      await sequencer.start(leading);
    }
    return Object.assign(base, {
      ...(sequencer === undefined ? {} : { sequencer }),
      certificates: desk,
      dataDir,
      aggregationDir: join(dataDir, 'aggregation'),
      aggregationKeeping,
      created,
      rootAuthority: {
        did: rootDid,
        publicKey: rootPk ?? publicKeyFromDidKey(rootDid),
        secretKey: root?.secretKey ?? null,
      },
      replaySkipped: auditor.violations.length,
    });
  } catch (err) {
    await cluster?.close();
    await log.close();
    await vault.close();
    await aggregationKeeping?.close();
    await shared?.close();
    throw err;
  }
}

/**
 * An instance that does not hold the lease at open waits for the ledger to exist: the
 * sequencer creates it (config, head and genesis record) and nobody else may.
 * @returns true when this instance took the lease meanwhile (and creates the ledger itself)
 * @throws DataLedgerError `STORE_IO` when no ledger appears within 30 s
 */
async function awaitGenesis(store: RecordStore, cluster: LogCluster): Promise<boolean> {
  const until = Date.now() + 30_000;
  for (;;) {
    const head = await store.get('head');
    if (head !== undefined && (parseJson(new TextDecoder().decode(head)) as { size?: unknown }).size !== 0) return false;
    if (await cluster.tryLead()) return true;
    if (Date.now() > until) throw new DataLedgerError('STORE_IO', 'the database holds no ledger yet, and the instance creating it did not finish within 30 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Records replayed per read of the vault at open. */
const REPLAY_CHUNK = 1024;

/**
 * Replays the registry from the log with the vault's disclosures of each record's digests.
 * Lenient: every record was checked in full when it was written, so a rule that needs an
 * erased member is skipped, not a reason to refuse the record now; a record the rules refuse
 * (a ledger written by other tools) is skipped too.
 * @returns the auditor holding the state, and the digests the log's erasures name
 */
async function replayRegistry(log: Log, vault: DisclosureVault): Promise<{ auditor: RegistryAuditor; erased: string[] }> {
  // The auditor reads this map for each record: it holds the disclosures of the current chunk only.
  const window = new Map<string, OpenedDisclosure>();
  const auditor = new RegistryAuditor({ disclosures: window });
  const erased: string[] = [];
  let chunk: LedgerRecord[] = [];
  const flush = async (): Promise<void> => {
    const digests = chunk.flatMap(recordDigests);
    window.clear();
    if (digests.length > 0) {
      const found = await vault.getMany(digests);
      for (const [d, o] of disclosureMap(found.filter((x): x is string => x !== undefined))) window.set(d, o);
    }
    for (const r of chunk) {
      auditor.push(r);
      if (r.type === 'disclosure.erased') {
        const items = (r.payload as { erased?: unknown }).erased;
        if (Array.isArray(items)) for (const x of items) if (typeof x?.digest === 'string') erased.push(x.digest);
      }
    }
    chunk = [];
  };
  for await (const r of log.records(0, log.size)) {
    chunk.push(r);
    if (chunk.length >= REPLAY_CHUNK) await flush();
  }
  await flush();
  return { auditor, erased };
}

/**
 * Applies records read from the log to a registry state, with the vault's disclosures of
 * their digests, leniently: each was checked in full when it was written (here or by another
 * instance on the same database), so a rule that needs an erased member is skipped, and a
 * record the rules refuse is stepped over as at open. What an instance that did not write
 * them runs to catch up (several instances on one PostgreSQL log).
 * @param state - the state after the record before `records[0]`
 * @param records - consecutive logged records
 * @param vault - the vault beside the log
 * @returns the state after the last record
 */
export async function applyLogged(state: RegistryState, records: readonly LedgerRecord[], vault: DisclosureVault): Promise<RegistryState> {
  const digests = records.flatMap(recordDigests);
  const found = digests.length === 0 ? [] : await vault.getMany(digests);
  const disclosures = disclosureMap(found.filter((x): x is string => x !== undefined));
  let s = state;
  for (const r of records) {
    try {
      s = applyRecord(s, r, { disclosures, unchecked: () => undefined });
    } catch (err) {
      if (!(err instanceof DataLedgerError)) throw err;
      s = skipRecord(s, r);
    }
  }
  return s;
}

/** The vault's disclosures of the digests of the log's records (never an unreferenced entry). */
async function loggedDisclosures(log: Log, vault: DisclosureVault): Promise<Map<string, OpenedDisclosure>> {
  const out = new Map<string, OpenedDisclosure>();
  let digests: string[] = [];
  const flush = async (): Promise<void> => {
    const found = await vault.getMany(digests);
    for (const [d, o] of disclosureMap(found.filter((x): x is string => x !== undefined))) out.set(d, o);
    digests = [];
  };
  for await (const r of log.records(0, log.size)) {
    digests.push(...recordDigests(r));
    if (digests.length >= REPLAY_CHUNK) await flush();
  }
  if (digests.length > 0) await flush();
  return out;
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
 * record, inclusion, issuer), keyed by the hash of the log key and the certificate's RFC 8785
 * canonical form (so whitespace and member order do not force the slow path), and valid
 * while the registry's roles are unchanged. Exchanges re-verify the same certificates often;
 * the validity window and the status are re-evaluated on every request.
 */
type VerifyCache = LRUCache<string, { roles: unknown; checks: Check[] }>;

// The cache key of a certificate, or null when it has no canonical form (not JSON-safe:
// such a certificate fails verification anyway and is not worth remembering).
function certificateKey(logKey: string, cert: unknown): string | null {
  try {
    return toBase64(sha256(utf8Encode(logKey), canonicalBytes(cert as never)));
  } catch {
    return null;
  }
}

function validityCheck(cert: unknown, at: number): Check {
  const c = cert as { validFrom?: unknown; validUntil?: unknown };
  const from = Date.parse(c.validFrom as string);
  const until = Date.parse(c.validUntil as string);
  if (Number.isNaN(from) || Number.isNaN(until)) return { name: 'validity', ok: false, code: 'CERT_MALFORMED' };
  if (at < from) return { name: 'validity', ok: false, code: 'CERT_NOT_YET_VALID' };
  if (at > until) return { name: 'validity', ok: false, code: 'CERT_EXPIRED' };
  return { name: 'validity', ok: true };
}

// The holders of the `registry` role, per roles map: state.roles is persistent, so the same
// object means the same roles, and a request need not walk every role holder.
const registryHoldersOf = new WeakMap<RegistryState['roles'], string[]>();

function registryHolders(roles: RegistryState['roles']): string[] {
  let out = registryHoldersOf.get(roles);
  if (out === undefined) {
    out = [];
    for (const [did, held] of roles.entries()) if (held.includes('registry')) out.push(did);
    registryHoldersOf.set(roles, out);
  }
  return out;
}

/**
 * An exchange's check of a certificate against this ledger: the certificates package's
 * offline checks with this log's key and the issuers that hold the `registry` role now, and
 * the status step of `verifyCertificate` (`certificateStatus`) against the status lists
 * presented, or else the lists this service publishes (the ones `GET /v1/status-lists/{id}`
 * serves, signed by the log key). So the route and an offline `cert verify` with the served
 * lists give the same verdict and the same codes, with one addition only the ledger can make:
 * the issuance record must be the ledger's own at its index (`ledgerLeaf`), else the `record`
 * check fails with `CERT_RECORD_NOT_IN_LEDGER` (a split view of the log).
 * The body is the certificate, or `{ certificate, statusList }`.
 */
async function verifyAgainstLedger(
  body: unknown,
  svc: LedgerService<RegistryState>,
  desk: CertificateDesk,
  cache: VerifyCache | null,
): Promise<{ verified: boolean; status: string; checks: Check[] }> {
  const state = svc.registry();
  const wrapped = typeof body === 'object' && body !== null && 'certificate' in body && !('proof' in body);
  const cert = wrapped ? (body as { certificate: unknown }).certificate : body;
  const presented = wrapped ? (body as { statusList?: unknown }).statusList : undefined;
  const c = (typeof cert === 'object' && cert !== null ? cert : {}) as { issuer?: unknown; credentialStatus?: unknown };
  const entries = Array.isArray(c.credentialStatus) ? c.credentialStatus : [c.credentialStatus];
  let lists: JsonObject[];
  if (presented !== undefined) {
    lists = (Array.isArray(presented) ? presented : [presented]).filter((l): l is JsonObject => typeof l === 'object' && l !== null && !Array.isArray(l));
  } else {
    lists = [];
    for (const e of entries) {
      const url = typeof e === 'object' && e !== null ? (e as { statusListCredential?: unknown }).statusListCredential : undefined;
      const list = typeof url === 'string' ? desk.statusList(url) : undefined;
      if (list !== undefined && !lists.includes(list)) lists.push(list);
    }
  }
  // After the lists: one the desk has just signed is valid from a moment before `now`.
  const now = Date.now();
  let checks: Check[];
  const proof = (cert as { proof?: { expires?: unknown } } | null)?.proof;
  // Keyed by the certificate's RFC 8785 form: the same certificate however it is spelled.
  const key = cache !== null && typeof proof === 'object' && proof !== null && !('expires' in proof) ? certificateKey(svc.logVerifierKey, cert) : null;
  const hit = key === null ? undefined : cache?.get(key);
  if (hit !== undefined && hit.roles === state.roles) {
    checks = hit.checks.map((c) => (c.name === 'validity' ? validityCheck(cert, now) : { ...c }));
  } else {
    // The issuance record checked against this very ledger: a record it does not hold at that
    // index (a split view) is refused, and the record it holds is not signature-checked again.
    // An index past this instance's head (another instance appended it, or a split view ran
    // ahead) is left to the proofs, and that verdict is not cached: once the ledger reaches the
    // index, the next request checks the record against it.
    const index = issuanceRecordIndex(cert);
    const ahead = index !== null && index >= svc.size;
    const ledgerLeaf = index !== null && !ahead ? { logKey: svc.logVerifierKey, index, leafHash: await svc.leafHashAt(index) } : undefined;
    const result = verifyCertificate(cert, {
      trustedLogKeys: [svc.logVerifierKey],
      trustedIssuers: registryHolders(state.roles),
      at: new Date(now),
      skipStatusCheck: true,
      ...(ledgerLeaf === undefined ? {} : { ledgerLeaf }),
    });
    checks = result.checks.filter((c) => c.name !== 'status').map((c) => ({ name: c.name, ok: c.ok, ...(c.code === undefined ? {} : { code: c.code }) }));
    if (key !== null && !ahead) {
      // state.roles is persistent: the same object means the same roles.
      cache?.set(key, { roles: state.roles, checks: checks.map((c) => ({ ...c })) });
    }
  }
  if (checks.some((x) => x.name === 'format' && !x.ok)) return { verified: false, status: 'unchecked', checks };
  // As verifyCertificate: lists signed by the issuer, or by the log whose checkpoint it carries.
  const checkpointOk = checks.some((x) => x.name === 'checkpoint' && x.ok);
  const signers = [typeof c.issuer === 'string' ? c.issuer : '', ...(checkpointOk ? [desk.statusListSigner] : [])];
  const st = certificateStatus(cert, { statusList: lists, at: new Date(now), trustedSigners: signers });
  if (st.check !== null) checks.push({ name: 'status', ok: st.check.ok, ...(st.check.code === undefined ? {} : { code: st.check.code }) });
  return { verified: checks.length > 0 && checks.every((x) => x.ok), status: st.status, checks };
}
