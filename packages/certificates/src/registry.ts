/**
 * The registry: a pure state machine over ledger records. `applyRecord(state, record)`
 * returns a new state or throws a `DataLedgerError` with a `REGISTRY_…` code naming the rule
 * the record breaks. Every check runs before anything is built, and the state is a persistent
 * structure ({@link PMap}), so a refused record leaves its input state untouched and every
 * earlier state stays valid.
 *
 * The registry checks rules, not signatures: record authenticity and chaining are the log's
 * (`@dataledger/provenance`) job, done before records reach here.
 */
import type { LedgerRecord } from '@dataledger/provenance';
import { DataLedgerError } from '@dataledger/core';
import { CertificateError, type CertificatesErrorCode } from './errors.ts';
import { PMap } from './pmap.ts';
import { certificateSubject, subjectHash } from './subject.ts';
import { CONFIDENTIAL_MEMBERS, revealPayload, type OpenedDisclosure, type RevealedPayload } from './disclosure.ts';
import type { JsonObject } from './dataintegrity.ts';
import {
  RECORD_TYPE_TABLE,
  isRecordType,
  parseRevealedPayload,
  type AggregationContributed,
  type AggregationOpened,
  type AggregationReleased,
  type AssetChanged,
  type AssetRegistered,
  type AssetReviewed,
  type AssetSupervision,
  type AssetTransferred,
  type AssetValued,
  type CertificateIssued,
  type CertificateStatusChange,
  type Classification,
  type ConsentGranted,
  type ConsentRevoked,
  type CrossborderApproved,
  type DataSource,
  type DisclosureErased,
  type LedgerGenesis,
  type LicenceGranted,
  type LicenceRevoked,
  type Party,
  type PayloadByType,
  type RecordType,
  type RightsType,
  type Role,
  type RoleChange,
  type UpdateFrequency,
  type Validity,
  type Valuation,
} from './payloads.ts';

/**
 * The ledger record the registry reads: `LedgerRecord` of `@dataledger/provenance`.
 */
export type RegistryRecord = LedgerRecord;

/** Review status of an asset. */
export type ReviewStatus = 'pending' | 'approved' | 'rejected';

/** An asset as the registry knows it. */
export interface AssetState {
  readonly registrationNumber: string;
  readonly name: string;
  readonly holder: Party;
  readonly source: DataSource;
  readonly classification: Classification;
  readonly rights: readonly RightsType[];
  readonly fingerprint: string;
  readonly fingerprintOf: 'data' | 'merkle-root';
  readonly rowCount: number;
  readonly updateFrequency: UpdateFrequency;
  /** The valuation; null when there is none, or when it is concealed and not disclosed (see `sealed`). */
  readonly valuation: Valuation | null;
  readonly validity: Validity;
  readonly subjectIdentified: boolean;
  /** The data subjects; null when concealed and not disclosed (a replay without disclosures, or erased). */
  readonly subjects: readonly string[] | null;
  /** The description; null when there is none, or when it is concealed and not disclosed. */
  readonly description: string | null;
  /**
   * The digests of the confidential members as last logged, by member path (`holder.name`,
   * `valuation`, `description`, `subjects`): what a certificate states of them.
   */
  readonly sealed: Readonly<Record<string, string>>;
  /** Digests of this asset whose member is not known (no disclosure given). */
  readonly opaque: readonly string[];
  /**
   * The index of the record that last set each confidential member (`valuation`,
   * `holder.name`, `description`, `subjects`) after the registration, which set them all. An
   * erasure of an older record's digest then leaves the member alone, even in a replay that
   * cannot tell which member an undisclosed digest hid.
   */
  readonly setAt: Readonly<Record<string, number>>;
  readonly registeredAt: string;
  readonly registeredIndex: number;
  readonly registeredBy: string;
  readonly review: ReviewStatus;
  readonly frozen: boolean;
  readonly cancelled: boolean;
}

/** A licence (授权使用). `ended` = ended by a revoked consent. */
export interface LicenceState {
  readonly licenceId: string;
  readonly registrationNumber: string;
  readonly licensor: string;
  readonly licensee: Party;
  readonly purpose: string;
  readonly scope: readonly string[];
  readonly term: Validity;
  readonly sublicensable: boolean;
  readonly parentLicenceId: string | null;
  readonly consentIds: readonly string[];
  readonly status: 'active' | 'revoked' | 'ended';
  readonly grantedIndex: number;
}

/** A data subject's consent. */
export interface ConsentState {
  readonly consentId: string;
  readonly registrationNumber: string;
  readonly subject: string;
  readonly licensee: string;
  readonly purpose: string;
  readonly until: string | null;
  readonly revoked: boolean;
}

/** A cross-border approval for one asset and one foreign party. */
export interface CrossborderState {
  readonly registrationNumber: string;
  readonly party: string;
  readonly purpose: string;
  readonly until: string | null;
  readonly approvedBy: string;
  readonly index: number;
}

/** Certificate status as the ledger records it. */
export type CertificateStatus = 'active' | 'suspended' | 'revoked';

/** A certificate as recorded by `certificate.issued` and later status records. */
export interface CertificateState {
  readonly certificateId: string;
  readonly registrationNumber: string;
  readonly issuer: string;
  readonly statusListIndex: number;
  readonly revocationList: string;
  readonly suspensionList: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly subjectHash: string;
  readonly status: CertificateStatus;
  readonly issuedIndex: number;
}

/** An encrypted statistics job: hashes and counts only. */
export interface AggregationState {
  readonly jobId: string;
  readonly opener: string;
  readonly jobHash: string;
  readonly minContributors: number;
  /** The most contributors the opening record allows (null: it names none). */
  readonly maxContributors: number | null;
  /** Hex SHA-256 of the job's public key, as the opening record names it (null: it names none). */
  readonly publicKeyHash: string | null;
  readonly contributors: readonly string[];
  /**
   * The `contributionHash` (hex) each contributor's record names, in the order of
   * `contributors`: which contribution of a holder counts is the log's to say, so an aggregator
   * folds exactly these (README "Scaling out").
   */
  readonly contributions: readonly string[];
  readonly rows: number;
  readonly released: boolean;
  readonly resultHash: string | null;
}

/** The whole registry, immutable. */
export interface RegistryState {
  /** Records applied (the index the next record must carry). */
  readonly size: number;
  readonly lastTime: string | null;
  readonly rootAuthority: string | null;
  readonly ledgerName: string | null;
  readonly roles: PMap<readonly Role[]>;
  /**
   * `did|role` → index of the `role.granted` record in force: the role evidence a
   * certificate carries (see `roleEvidenceIndexes`).
   */
  readonly roleGrants: PMap<number>;
  readonly assets: PMap<AssetState>;
  /** Fingerprint → registration number of the live (not cancelled) asset. */
  readonly fingerprints: PMap<string>;
  readonly licences: PMap<LicenceState>;
  /** Registration number → ids of the top-level licences of the asset still active (ended at a transfer). */
  readonly assetLicences: PMap<readonly string[]>;
  /** Registration number → ids of its certificates (revoked when it is cancelled). */
  readonly assetCertificates: PMap<readonly string[]>;
  /** Licence id → ids of its direct sub-licences. */
  readonly sublicences: PMap<readonly string[]>;
  readonly consents: PMap<ConsentState>;
  /** `rn|subject|licensee|purpose` → consent ids. */
  readonly consentKeys: PMap<readonly string[]>;
  /** Consent id → ids of licences granted on it. */
  readonly consentLicences: PMap<readonly string[]>;
  /** `rn|party` → approval. */
  readonly crossborder: PMap<CrossborderState>;
  /**
   * DIDs any earlier record marked foreign (a party with `foreign: true`, or the party of a
   * `crossborder.approved`). The mark is sticky: a later record cannot make such a party
   * domestic to skip the cross-border rule.
   */
  readonly foreignParties: PMap<true>;
  readonly certificates: PMap<CertificateState>;
  /** `list url|index` → certificate id. */
  readonly statusIndexes: PMap<string>;
  readonly aggregations: PMap<AggregationState>;
  /** Statistics counters: `kind|YYYY-MM` → count. */
  readonly counters: PMap<number>;
  /** Record index (decimal) → what a `disclosure.erased` needs to know of a record that carries digests. */
  readonly sealedRecords: PMap<SealedRecord>;
  /** Digest → index of the `disclosure.erased` record that erased it. */
  readonly erasedDigests: PMap<number>;
}

/** A record that carries digests: its type, signer, digests and the asset it concerns. */
export interface SealedRecord {
  readonly type: RecordType;
  readonly actor: string;
  readonly digests: readonly string[];
  /** Digest → the member path it hides (`valuation`, `to.name`…), for the digests disclosed. */
  readonly members: Readonly<Record<string, string>>;
  /** The registration number, licence id or consent id the record is about. */
  readonly ref: string | null;
}

/** A rule a replay could not check because a member it needs is concealed and not disclosed. */
export interface UncheckedRule {
  /** The record's index. */
  readonly index: number;
  readonly type: string;
  /** The rule, by the code it raises when broken (`REGISTRY_CONSENT_MISSING`…). */
  readonly rule: string;
  /** What is missing. */
  readonly reason: string;
}

/** Options of {@link applyRecord}. */
export interface ApplyOptions {
  /** Disclosures by digest (`disclosureMap`); disclosures of other records are ignored. */
  readonly disclosures?: ReadonlyMap<string, OpenedDisclosure>;
  /**
   * Told of each rule that needs a concealed member whose disclosure is not given; the rule is
   * then skipped (a replay). Absent: such a record is refused with `REGISTRY_DISCLOSURE_REQUIRED`
   * (the write path: nothing is accepted unchecked).
   */
  readonly unchecked?: (rule: UncheckedRule) => void;
  /**
   * The record's payload already revealed with these disclosures (`revealPayload(record.type,
   * record.payload, disclosures)` of this very record, e.g. by a server's edge checks): taken
   * as it is instead of revealing the payload again. A caller that passes another record's
   * gets that record's rules.
   */
  readonly revealed?: RevealedPayload;
}

/** The state before any record. */
export function emptyRegistryState(): RegistryState {
  return {
    size: 0,
    lastTime: null,
    rootAuthority: null,
    ledgerName: null,
    roles: PMap.empty(),
    roleGrants: PMap.empty(),
    assets: PMap.empty(),
    fingerprints: PMap.empty(),
    licences: PMap.empty(),
    assetLicences: PMap.empty(),
    assetCertificates: PMap.empty(),
    sublicences: PMap.empty(),
    consents: PMap.empty(),
    consentKeys: PMap.empty(),
    consentLicences: PMap.empty(),
    crossborder: PMap.empty(),
    foreignParties: PMap.empty(),
    certificates: PMap.empty(),
    statusIndexes: PMap.empty(),
    aggregations: PMap.empty(),
    counters: PMap.empty(),
    sealedRecords: PMap.empty(),
    erasedDigests: PMap.empty(),
  };
}

// ---------------------------------------------------------------------------------------
// Authorisation

/**
 * Roles of which the writer of `type` must hold one (empty when the record is written by the
 * root authority or a data subject instead; see {@link RECORD_TYPE_TABLE}).
 * @throws DataLedgerError `REGISTRY_UNKNOWN_TYPE`
 */
export function requiredRoles(type: string): readonly Role[] {
  if (!isRecordType(type)) throw new CertificateError('REGISTRY_UNKNOWN_TYPE', 'type: not a data-asset record type', { details: { type } });
  return RECORD_TYPE_TABLE[type].roles.anyOf;
}

/** Roles `actor` holds in `state`. */
export function rolesOf(state: RegistryState, actor: string): readonly Role[] {
  return state.roles.get(actor) ?? [];
}

/**
 * The record types whose records change what {@link isAuthorised} answers: the genesis (the root
 * authority) and role grants and revocations (`state.roles`). No other record touches either, so
 * a check of role gates across a batch need only apply these.
 */
export const ROLE_CHANGING_TYPES: ReadonlySet<RecordType> = new Set<RecordType>(['ledger.genesis', 'role.granted', 'role.revoked']);

/**
 * True when `actor` passes the role gate for `type` (ownership rules aside): the service calls
 * this to refuse early with 403.
 */
export function isAuthorised(state: RegistryState, actor: string, type: string): boolean {
  if (!isRecordType(type)) return false;
  const a = RECORD_TYPE_TABLE[type].roles;
  if (a.genesis) return state.size === 0;
  if (a.rootAuthority) return actor === state.rootAuthority;
  if (a.dataSubject) return true;
  const held = rolesOf(state, actor);
  return a.anyOf.some((r) => held.includes(r));
}

// ---------------------------------------------------------------------------------------
// Rules

function refuse(code: CertificatesErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new CertificateError(code, message, { details });
}

const ms = (t: string): number => Date.parse(t);

/** The statistics period of a record time: `YYYY-MM`. */
export function periodOf(time: string): string {
  return time.slice(0, 7);
}

function bump(counters: PMap<number>, key: string): PMap<number> {
  return counters.set(key, (counters.get(key) ?? 0) + 1);
}

function assetOf(state: RegistryState, rn: string): AssetState {
  const a = state.assets.get(rn);
  if (a === undefined) refuse('REGISTRY_ASSET_UNKNOWN', `asset ${rn}: not registered`, { registrationNumber: rn });
  return a;
}

function liveAsset(state: RegistryState, rn: string): AssetState {
  const a = assetOf(state, rn);
  if (a.cancelled) refuse('REGISTRY_ASSET_CANCELLED', `asset ${rn}: cancelled`, { registrationNumber: rn });
  return a;
}

function within(w: Validity, time: string): boolean {
  const t = ms(time);
  return ms(w.from) <= t && t <= ms(w.until);
}

function checkWindow(w: Validity, path: string): void {
  if (ms(w.from) >= ms(w.until)) refuse('REGISTRY_TERM_INVALID', `${path}: from must precede until`, { path });
}

/**
 * Nothing circulates while unreviewed, rejected, frozen, cancelled or outside its validity;
 * `core` data never circulates.
 */
function checkCirculable(a: AssetState, time: string): void {
  const rn = a.registrationNumber;
  if (a.cancelled) refuse('REGISTRY_ASSET_CANCELLED', `asset ${rn}: cancelled`, { registrationNumber: rn });
  if (a.frozen) refuse('REGISTRY_ASSET_FROZEN', `asset ${rn}: frozen`, { registrationNumber: rn });
  if (a.review === 'rejected') refuse('REGISTRY_ASSET_REJECTED', `asset ${rn}: failed compliance review`, { registrationNumber: rn });
  if (a.review === 'pending') refuse('REGISTRY_ASSET_UNREVIEWED', `asset ${rn}: not reviewed`, { registrationNumber: rn });
  if (!within(a.validity, time)) refuse('REGISTRY_ASSET_EXPIRED', `asset ${rn}: outside its validity`, { registrationNumber: rn });
  if (a.classification === 'core') refuse('REGISTRY_CORE_NOT_CIRCULABLE', `asset ${rn}: core data never circulates`, { registrationNumber: rn });
}

/** `important` data goes to a foreign party only after a `crossborder.approved` for that asset and party. */
function checkCrossborder(state: RegistryState, a: AssetState, party: Party, time: string): CrossborderState | null {
  if (!isForeign(state, party) || a.classification !== 'important') return null;
  const ap = state.crossborder.get(`${a.registrationNumber}|${party.id}`);
  if (ap === undefined || (ap.until !== null && ms(ap.until) < ms(time))) {
    refuse('REGISTRY_CROSSBORDER_NOT_APPROVED', `asset ${a.registrationNumber}: no cross-border approval for ${party.id}`, {
      registrationNumber: a.registrationNumber,
      party: party.id,
    });
  }
  return ap;
}

/** A party is foreign when this record says so or any earlier one did (the mark is sticky). */
function isForeign(state: RegistryState, party: Party): boolean {
  return party.foreign || state.foreignParties.has(party.id);
}

function markForeign(foreignParties: PMap<true>, party: Party): PMap<true> {
  return party.foreign && !foreignParties.has(party.id) ? foreignParties.set(party.id, true) : foreignParties;
}

function activeConsent(state: RegistryState, rn: string, subject: string, licensee: string, purpose: string, time: string): string | null {
  const ids = state.consentKeys.get(`${rn}|${subject}|${licensee}|${purpose}`) ?? [];
  for (const id of ids) {
    const c = state.consents.get(id);
    if (c !== undefined && !c.revoked && (c.until === null || ms(time) <= ms(c.until))) return id;
  }
  return null;
}

/** Identified-subject data goes to a third party only with each subject's own consent naming it and the purpose. */
function requiredConsents(state: RegistryState, a: AssetState, licensee: string, purpose: string, time: string, x: Sealing): string[] {
  if (!a.subjectIdentified) return [];
  if (a.subjects === null) {
    x.gap('REGISTRY_CONSENT_MISSING', `asset ${a.registrationNumber}: its data subjects are concealed and not disclosed`);
    return [];
  }
  const out: string[] = [];
  for (const [k, subject] of a.subjects.entries()) {
    if (subject === licensee) continue;
    const id = activeConsent(state, a.registrationNumber, subject, licensee, purpose, time);
    if (id === null) {
      // The subjects are confidential: the refusal names the subject by its place in the
      // asset's list (the holder reads the list with a signed read), never by its DID.
      refuse('REGISTRY_CONSENT_MISSING', `asset ${a.registrationNumber}: data subject #${k + 1} has not consented to ${licensee} (${purpose})`, {
        registrationNumber: a.registrationNumber,
        subjectIndex: k,
        licensee,
        purpose,
      });
    }
    out.push(id);
  }
  return out;
}

function licenceActive(l: LicenceState, time: string): boolean {
  return l.status === 'active' && within(l.term, time);
}

/** Ends a licence and, transitively, its sub-licences. */
function endLicences(state: RegistryState, licences: PMap<LicenceState>, roots: readonly string[], status: 'revoked' | 'ended'): PMap<LicenceState> {
  const stack = [...roots];
  let out = licences;
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const l = out.get(id);
    if (l === undefined) continue;
    if (l.status === 'active') out = out.set(id, { ...l, status });
    stack.push(...(state.sublicences.get(id) ?? []));
  }
  return out;
}

function checkRecordShape(record: unknown): asserts record is RegistryRecord {
  const r = record as Partial<RegistryRecord> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Number.isSafeInteger(r.index) ||
    typeof r.type !== 'string' ||
    typeof r.actor !== 'string' ||
    typeof r.time !== 'string' ||
    Number.isNaN(Date.parse(r.time)) ||
    typeof r.payload !== 'object' ||
    r.payload === null ||
    Array.isArray(r.payload)
  ) {
    refuse('REGISTRY_RECORD_MALFORMED', 'record: expected { index, type, time, actor, payload }');
  }
}

/** What a handler knows of the record's concealed members, and how it reports a rule it cannot check. */
interface Sealing {
  readonly revealed: RevealedPayload;
  /** A rule needs a member that is concealed and not disclosed: report it (replay) or refuse (write path). */
  gap(rule: string, reason: string): void;
}

type Handler<T extends RecordType> = (s: RegistryState, p: PayloadByType[T], r: RegistryRecord, x: Sealing) => RegistryState;
type Handlers = { [T in RecordType]: Handler<T> };

const certificateStatusHandler =
  (from: readonly CertificateStatus[], to: CertificateStatus, counter: string | null) =>
  (s: RegistryState, p: CertificateStatusChange, r: RegistryRecord): RegistryState => {
    const c = s.certificates.get(p.certificateId);
    if (c === undefined) refuse('REGISTRY_CERTIFICATE_UNKNOWN', `certificate ${p.certificateId}: not issued`, { certificateId: p.certificateId });
    if (!from.includes(c.status)) {
      refuse('REGISTRY_CERTIFICATE_STATUS', `certificate ${p.certificateId}: is ${c.status}`, { certificateId: p.certificateId, status: c.status });
    }
    return {
      ...s,
      certificates: s.certificates.set(c.certificateId, { ...c, status: to }),
      counters: counter === null ? s.counters : bump(s.counters, `${counter}|${periodOf(r.time)}`),
    };
  };

/**
 * The asset's digests after a record that logs (some of) its confidential members: the members
 * the record replaces lose their old digests, the disclosed ones gain their new digests, and
 * digests of unknown members go to `opaque`.
 * @param rename - the record's member path → the asset's (`to.name` → `holder.name`)
 */
function reseal(
  a: { sealed: Readonly<Record<string, string>>; opaque: readonly string[]; setAt: Readonly<Record<string, number>> },
  x: Sealing,
  replaced: readonly string[],
  rename: (path: string) => string,
  index: number,
): {
  sealed: Readonly<Record<string, string>>;
  opaque: readonly string[];
  setAt: Readonly<Record<string, number>>;
} {
  const sealed: Record<string, string> = { ...a.sealed };
  for (const m of replaced) delete sealed[m];
  for (const { path, digest } of x.revealed.revealed) sealed[rename(path)] = digest;
  const hidden = x.revealed.hidden.map((h) => h.digest);
  const setAt = replaced.length === 0 ? a.setAt : { ...a.setAt, ...Object.fromEntries(replaced.map((m) => [m, index])) };
  return { sealed, opaque: hidden.length === 0 ? a.opaque : [...a.opaque, ...hidden], setAt };
}

/** Asset member paths a record's member paths stand for. */
const ASSET_PATH: Readonly<Record<string, string>> = {
  'to.name': 'holder.name',
  'changes.description': 'description',
  'changes.subjects': 'subjects',
};
const assetPath = (path: string): string => ASSET_PATH[path] ?? path;

/**
 * Drops the value an erased digest hid from an asset (the digest itself stays: it is on the log).
 * @param target - the index of the record that logged the digest
 */
function eraseFromAsset(a: AssetState, digest: string, member: string, target: number): AssetState {
  let { sealed, opaque } = a;
  if (opaque.includes(digest)) {
    opaque = opaque.filter((d) => d !== digest);
    // A digest not disclosed in this replay: it is the member's current one only if no later
    // record set the member (else the later value, clear or sealed, stays).
    if ((a.setAt[member] ?? a.registeredIndex) > target) return { ...a, opaque };
    sealed = { ...sealed, [member]: digest };
  }
  if (sealed[member] !== digest) return opaque === a.opaque ? a : { ...a, sealed, opaque };
  const next: AssetState = { ...a, sealed, opaque };
  switch (member) {
    case 'holder.name': {
      const { name: _dropped, ...holder } = a.holder;
      return { ...next, holder };
    }
    case 'valuation':
      return { ...next, valuation: null };
    case 'description':
      return { ...next, description: null };
    case 'subjects':
      return { ...next, subjects: null };
    default:
      return next;
  }
}

const HANDLERS: Handlers = {
  'ledger.genesis': (s, p: LedgerGenesis, r) => {
    if (r.actor !== p.rootAuthority) refuse('REGISTRY_UNAUTHORISED', 'ledger.genesis: must be signed by the root authority it names');
    return { ...s, rootAuthority: p.rootAuthority, ledgerName: p.ledgerName };
  },
  'role.granted': (s, p: RoleChange, r) => {
    const held = rolesOf(s, p.subject);
    if (held.includes(p.role)) refuse('REGISTRY_ROLE_ALREADY_HELD', `${p.subject}: already holds ${p.role}`, { subject: p.subject, role: p.role });
    return { ...s, roles: s.roles.set(p.subject, [...held, p.role]), roleGrants: s.roleGrants.set(`${p.subject}|${p.role}`, r.index) };
  },
  'role.revoked': (s, p: RoleChange) => {
    const held = rolesOf(s, p.subject);
    if (!held.includes(p.role)) refuse('REGISTRY_ROLE_NOT_HELD', `${p.subject}: does not hold ${p.role}`, { subject: p.subject, role: p.role });
    const rest = held.filter((x) => x !== p.role);
    return {
      ...s,
      roles: rest.length === 0 ? s.roles.delete(p.subject) : s.roles.set(p.subject, rest),
      roleGrants: s.roleGrants.delete(`${p.subject}|${p.role}`),
    };
  },
  'asset.registered': (s, p: AssetRegistered, r, x) => {
    const rn = p.registrationNumber;
    if (s.assets.has(rn)) refuse('REGISTRY_REGISTRATION_DUPLICATE', `asset ${rn}: already registered`, { registrationNumber: rn });
    const existing = s.fingerprints.get(p.fingerprint);
    if (existing !== undefined) {
      const other = s.assets.get(existing) as AssetState;
      // The same data registered again: by another holder a conflict (一数一源), by the same holder a duplicate.
      if (other.holder.id !== p.holder.id) {
        refuse('REGISTRY_FINGERPRINT_CONFLICT', `fingerprint: already registered as ${existing} by another holder`, {
          registrationNumber: existing,
        });
      }
      refuse('REGISTRY_REGISTRATION_DUPLICATE', `fingerprint: already registered as ${existing}`, { registrationNumber: existing });
    }
    checkWindow(p.validity, 'validity');
    const seal = reseal({ sealed: {}, opaque: [], setAt: {} }, x, [], assetPath, r.index);
    const asset: AssetState = {
      registrationNumber: rn,
      name: p.name,
      holder: p.holder,
      source: p.source,
      classification: p.classification,
      rights: p.rights,
      fingerprint: p.fingerprint,
      fingerprintOf: p.fingerprintOf,
      rowCount: p.rowCount,
      updateFrequency: p.updateFrequency,
      valuation: p.valuation ?? null,
      validity: p.validity,
      subjectIdentified: p.subjectIdentified,
      subjects: p.subjects ?? null,
      description: p.description ?? null,
      sealed: seal.sealed,
      opaque: seal.opaque,
      setAt: seal.setAt,
      registeredAt: r.time,
      registeredIndex: r.index,
      registeredBy: r.actor,
      review: 'pending',
      frozen: false,
      cancelled: false,
    };
    return {
      ...s,
      assets: s.assets.set(rn, asset),
      fingerprints: s.fingerprints.set(p.fingerprint, rn),
      foreignParties: markForeign(s.foreignParties, p.holder),
      counters: bump(s.counters, `asset.registered|${periodOf(r.time)}`),
    };
  },
  'asset.reviewed': (s, p: AssetReviewed) => {
    const a = liveAsset(s, p.registrationNumber);
    return { ...s, assets: s.assets.set(a.registrationNumber, { ...a, review: p.outcome }) };
  },
  'asset.valued': (s, p: AssetValued, r, x) => {
    const a = liveAsset(s, p.registrationNumber);
    const seal = reseal(a, x, ['valuation'], assetPath, r.index);
    return { ...s, assets: s.assets.set(a.registrationNumber, { ...a, ...seal, valuation: p.valuation ?? null }) };
  },
  'certificate.issued': (s, p: CertificateIssued, r, x) => {
    if (s.certificates.has(p.certificateId)) {
      refuse('REGISTRY_CERTIFICATE_DUPLICATE', `certificate ${p.certificateId}: already issued`, { certificateId: p.certificateId });
    }
    const a = liveAsset(s, p.registrationNumber);
    const rn = a.registrationNumber;
    if (a.frozen) refuse('REGISTRY_ASSET_FROZEN', `asset ${rn}: frozen`, { registrationNumber: rn });
    if (a.review === 'rejected') refuse('REGISTRY_ASSET_REJECTED', `asset ${rn}: failed compliance review`, { registrationNumber: rn });
    if (a.review === 'pending') refuse('REGISTRY_ASSET_UNREVIEWED', `asset ${rn}: not reviewed`, { registrationNumber: rn });
    if (!within(a.validity, r.time)) refuse('REGISTRY_ASSET_EXPIRED', `asset ${rn}: outside its validity`, { registrationNumber: rn });
    checkWindow({ from: p.validFrom, until: p.validUntil }, 'validFrom');
    // A certificate cannot outlive what it certifies.
    if (ms(p.validUntil) > ms(a.validity.until)) refuse('REGISTRY_TERM_INVALID', 'validUntil: after the asset validity', { path: 'validUntil' });
    // The record commits to what the certificate states; it must be the asset as registered,
    // reviewed and valued, not a subject of the registry's choosing.
    if (a.opaque.length > 0) {
      // Which of the asset's digests the subject states is known only with their disclosures.
      x.gap('REGISTRY_SUBJECT_MISMATCH', `asset ${rn}: ${a.opaque.length} concealed member(s) not disclosed`);
    } else {
      const expected = subjectHash(certificateSubject(a));
      if (p.subjectHash !== expected) {
        refuse('REGISTRY_SUBJECT_MISMATCH', `subjectHash: not the hash of asset ${rn}'s certificate subject`, { registrationNumber: rn, expected });
      }
    }
    const keys = [`${p.revocationList}|${p.statusListIndex}`, `${p.suspensionList}|${p.statusListIndex}`];
    for (const k of keys) {
      const used = s.statusIndexes.get(k);
      if (used !== undefined) refuse('REGISTRY_STATUS_INDEX_IN_USE', `status list index ${k}: used by ${used}`, { certificateId: used });
    }
    const cert: CertificateState = {
      certificateId: p.certificateId,
      registrationNumber: rn,
      issuer: r.actor,
      statusListIndex: p.statusListIndex,
      revocationList: p.revocationList,
      suspensionList: p.suspensionList,
      validFrom: p.validFrom,
      validUntil: p.validUntil,
      subjectHash: p.subjectHash,
      status: 'active',
      issuedIndex: r.index,
    };
    let statusIndexes = s.statusIndexes;
    for (const k of keys) statusIndexes = statusIndexes.set(k, p.certificateId);
    return {
      ...s,
      certificates: s.certificates.set(p.certificateId, cert),
      assetCertificates: s.assetCertificates.set(rn, [...(s.assetCertificates.get(rn) ?? []), p.certificateId]),
      statusIndexes,
      counters: bump(s.counters, `certificate.issued|${periodOf(r.time)}`),
    };
  },
  'certificate.suspended': certificateStatusHandler(['active'], 'suspended', 'certificate.suspended'),
  'certificate.reinstated': certificateStatusHandler(['suspended'], 'active', null),
  'certificate.revoked': certificateStatusHandler(['active', 'suspended'], 'revoked', 'certificate.revoked'),
  'asset.transferred': (s, p: AssetTransferred, r, x) => {
    const a = liveAsset(s, p.registrationNumber);
    if (a.holder.id !== r.actor) refuse('REGISTRY_NOT_HOLDER', `asset ${a.registrationNumber}: only the current holder transfers`);
    if (p.to.id === r.actor) refuse('REGISTRY_SELF_DEALING', 'to: the holder itself');
    checkCirculable(a, r.time);
    checkCrossborder(s, a, p.to, r.time);
    requiredConsents(s, a, p.to.id, 'transfer', r.time, x);
    const seal = reseal(a, x, ['holder.name'], assetPath, r.index);
    // The previous holder's licences end with its holding, unless the transfer keeps them
    // (then the new holder may revoke them: see licence.revoked).
    const kept = p.keepLicences === true;
    const granted = s.assetLicences.get(a.registrationNumber) ?? [];
    return {
      ...s,
      licences: kept ? s.licences : endLicences(s, s.licences, granted, 'ended'),
      assetLicences: kept || granted.length === 0 ? s.assetLicences : s.assetLicences.delete(a.registrationNumber),
      assets: s.assets.set(a.registrationNumber, { ...a, ...seal, holder: p.to }),
      foreignParties: markForeign(s.foreignParties, p.to),
      counters: bump(s.counters, `asset.transferred|${periodOf(r.time)}`),
    };
  },
  'licence.granted': (s, p: LicenceGranted, r, x) => {
    if (s.licences.has(p.licenceId)) refuse('REGISTRY_LICENCE_DUPLICATE', `licence ${p.licenceId}: exists`, { licenceId: p.licenceId });
    checkWindow(p.term, 'term');
    const a = liveAsset(s, p.registrationNumber);
    if (p.parentLicenceId !== undefined) {
      // A sub-licence: granted by the licensee of a licence that allows it, within it.
      const parent = s.licences.get(p.parentLicenceId);
      if (parent === undefined) refuse('REGISTRY_LICENCE_UNKNOWN', `licence ${p.parentLicenceId}: unknown`, { licenceId: p.parentLicenceId });
      if (parent.licensee.id !== r.actor) refuse('REGISTRY_NOT_HOLDER', `licence ${parent.licenceId}: only its licensee sub-licenses`);
      if (!licenceActive(parent, r.time)) refuse('REGISTRY_LICENCE_INACTIVE', `licence ${parent.licenceId}: not active`, { licenceId: parent.licenceId });
      if (!parent.sublicensable) {
        refuse('REGISTRY_SUBLICENCE_NOT_ALLOWED', `licence ${parent.licenceId}: does not allow sub-licensing`, { licenceId: parent.licenceId });
      }
      const exceeds =
        parent.registrationNumber !== p.registrationNumber ||
        parent.purpose !== p.purpose ||
        !p.scope.every((x) => parent.scope.includes(x)) ||
        ms(p.term.from) < ms(parent.term.from) ||
        ms(p.term.until) > ms(parent.term.until);
      if (exceeds) refuse('REGISTRY_SUBLICENCE_EXCEEDS', `licence ${p.licenceId}: outlives or exceeds ${parent.licenceId}`, { licenceId: parent.licenceId });
    } else if (a.holder.id !== r.actor) {
      refuse('REGISTRY_NOT_HOLDER', `asset ${a.registrationNumber}: only the current holder licenses`);
    }
    if (p.licensee.id === r.actor) refuse('REGISTRY_SELF_DEALING', 'licensee: the licensor itself');
    if (ms(p.term.until) > ms(a.validity.until)) refuse('REGISTRY_TERM_INVALID', 'term: outlives the asset validity', { path: 'term' });
    checkCirculable(a, r.time);
    const approval = checkCrossborder(s, a, p.licensee, r.time);
    const consentIds = requiredConsents(s, a, p.licensee.id, p.purpose, r.time, x);
    // A licence cannot outlast what allows it: the cross-border approval and the subjects' consents.
    if (approval !== null && approval.until !== null && ms(p.term.until) > ms(approval.until)) {
      refuse('REGISTRY_TERM_INVALID', 'term: outlives the cross-border approval', { path: 'term', until: approval.until });
    }
    for (const id of consentIds) {
      const until = (s.consents.get(id) as ConsentState).until;
      if (until !== null && ms(p.term.until) > ms(until)) {
        refuse('REGISTRY_TERM_INVALID', `term: outlives consent ${id}`, { path: 'term', consentId: id, until });
      }
    }
    const lic: LicenceState = {
      licenceId: p.licenceId,
      registrationNumber: a.registrationNumber,
      licensor: r.actor,
      licensee: p.licensee,
      purpose: p.purpose,
      scope: p.scope,
      term: p.term,
      sublicensable: p.sublicensable,
      parentLicenceId: p.parentLicenceId ?? null,
      consentIds,
      status: 'active',
      grantedIndex: r.index,
    };
    let consentLicences = s.consentLicences;
    for (const c of consentIds) consentLicences = consentLicences.set(c, [...(consentLicences.get(c) ?? []), p.licenceId]);
    return {
      ...s,
      licences: s.licences.set(p.licenceId, lic),
      assetLicences:
        p.parentLicenceId === undefined
          ? s.assetLicences.set(p.registrationNumber, [...(s.assetLicences.get(p.registrationNumber) ?? []), p.licenceId])
          : s.assetLicences,
      foreignParties: markForeign(s.foreignParties, p.licensee),
      sublicences:
        p.parentLicenceId === undefined ? s.sublicences : s.sublicences.set(p.parentLicenceId, [...(s.sublicences.get(p.parentLicenceId) ?? []), p.licenceId]),
      consentLicences,
      counters: bump(s.counters, `licence.granted|${periodOf(r.time)}`),
    };
  },
  'licence.revoked': (s, p: LicenceRevoked, r) => {
    const l = s.licences.get(p.licenceId);
    if (l === undefined) refuse('REGISTRY_LICENCE_UNKNOWN', `licence ${p.licenceId}: unknown`, { licenceId: p.licenceId });
    // A licence kept through a transfer is revoked by the asset's holder now, as its own.
    const holderNow = l.parentLicenceId === null && s.assets.get(l.registrationNumber)?.holder.id === r.actor;
    if (l.licensor !== r.actor && !holderNow && !rolesOf(s, r.actor).includes('regulator')) {
      refuse('REGISTRY_UNAUTHORISED', `licence ${p.licenceId}: only its licensor, the asset's holder or a regulator revokes it`);
    }
    if (l.status !== 'active') refuse('REGISTRY_LICENCE_INACTIVE', `licence ${p.licenceId}: is ${l.status}`, { licenceId: p.licenceId });
    return {
      ...s,
      licences: endLicences(s, s.licences, [p.licenceId], 'revoked'),
      counters: bump(s.counters, `licence.revoked|${periodOf(r.time)}`),
    };
  },
  'asset.frozen': (s, p: AssetSupervision) => {
    const a = liveAsset(s, p.registrationNumber);
    if (a.frozen) refuse('REGISTRY_ASSET_FROZEN', `asset ${a.registrationNumber}: already frozen`, { registrationNumber: a.registrationNumber });
    return { ...s, assets: s.assets.set(a.registrationNumber, { ...a, frozen: true }) };
  },
  'asset.unfrozen': (s, p: AssetSupervision) => {
    const a = liveAsset(s, p.registrationNumber);
    if (!a.frozen) refuse('REGISTRY_ASSET_NOT_FROZEN', `asset ${a.registrationNumber}: not frozen`, { registrationNumber: a.registrationNumber });
    return { ...s, assets: s.assets.set(a.registrationNumber, { ...a, frozen: false }) };
  },
  'asset.changed': (s, p: AssetChanged, r, x) => {
    const a = liveAsset(s, p.registrationNumber);
    const rn = a.registrationNumber;
    if (a.frozen) refuse('REGISTRY_ASSET_FROZEN', `asset ${rn}: frozen`, { registrationNumber: rn });
    const ch = p.changes;
    let fingerprints = s.fingerprints;
    if (ch.fingerprint !== undefined && ch.fingerprint !== a.fingerprint) {
      const other = s.fingerprints.get(ch.fingerprint);
      if (other !== undefined) {
        refuse('REGISTRY_FINGERPRINT_CONFLICT', `fingerprint: already registered as ${other}`, { registrationNumber: other });
      }
      fingerprints = fingerprints.delete(a.fingerprint).set(ch.fingerprint, rn);
    }
    if (ch.validity !== undefined) checkWindow(ch.validity, 'changes.validity');
    // A concealed change this replay cannot read may be either member: both become unknown.
    const unknown = x.revealed.hidden.some((h) => h.at === 'changes');
    const seal = reseal(
      a,
      x,
      [...(ch.description !== undefined || unknown ? ['description'] : []), ...(ch.subjects !== undefined || unknown ? ['subjects'] : [])],
      assetPath,
      r.index,
    );
    const next: AssetState = {
      ...a,
      ...seal,
      name: ch.name ?? a.name,
      source: ch.source ?? a.source,
      classification: ch.classification ?? a.classification,
      rights: ch.rights ?? a.rights,
      fingerprint: ch.fingerprint ?? a.fingerprint,
      fingerprintOf: ch.fingerprintOf ?? a.fingerprintOf,
      rowCount: ch.rowCount ?? a.rowCount,
      updateFrequency: ch.updateFrequency ?? a.updateFrequency,
      validity: ch.validity ?? a.validity,
      subjectIdentified: ch.subjectIdentified ?? a.subjectIdentified,
      subjects: ch.subjects ?? (unknown ? null : a.subjects),
      description: ch.description ?? (unknown ? null : a.description),
    };
    if (next.subjectIdentified && next.subjects !== null && next.subjects.length === 0) {
      refuse('REGISTRY_PAYLOAD_INVALID', 'changes.subjects: identified data names its subjects', { path: '/changes/subjects' });
    }
    // A change to what the data is, how it is classified or whose it is needs a new compliance
    // review; so does any concealed change, so that the public replay reaches the same state.
    const material =
      x.revealed.hidden.some((h) => h.at === 'changes') ||
      x.revealed.revealed.some((m) => m.path.startsWith('changes.')) ||
      next.classification !== a.classification ||
      next.fingerprint !== a.fingerprint ||
      next.subjectIdentified !== a.subjectIdentified ||
      ch.subjects !== undefined ||
      ch.rights !== undefined;
    return { ...s, assets: s.assets.set(rn, material ? { ...next, review: 'pending' } : next), fingerprints };
  },
  'asset.cancelled': (s, p: AssetSupervision, r) => {
    const a = liveAsset(s, p.registrationNumber);
    // A cancelled registration certifies nothing: its certificates are revoked with it, and the
    // status lists (derived from this state) follow (DESIGN.md: "cancelling an asset revokes its
    // certificates").
    let certificates = s.certificates;
    for (const id of s.assetCertificates.get(a.registrationNumber) ?? []) {
      const c = certificates.get(id);
      if (c !== undefined && c.status !== 'revoked') certificates = certificates.set(id, { ...c, status: 'revoked' });
    }
    return {
      ...s,
      certificates,
      assets: s.assets.set(a.registrationNumber, { ...a, cancelled: true }),
      fingerprints: s.fingerprints.delete(a.fingerprint),
      counters: bump(s.counters, `asset.cancelled|${periodOf(r.time)}`),
    };
  },
  'crossborder.approved': (s, p: CrossborderApproved, r) => {
    const a = liveAsset(s, p.registrationNumber);
    if (a.classification === 'core') refuse('REGISTRY_CORE_NOT_CIRCULABLE', `asset ${a.registrationNumber}: core data never leaves`);
    const ap: CrossborderState = {
      registrationNumber: a.registrationNumber,
      party: p.party,
      purpose: p.purpose,
      until: p.until ?? null,
      approvedBy: r.actor,
      index: r.index,
    };
    // Approving an export to a party marks it foreign for every later record.
    return {
      ...s,
      crossborder: s.crossborder.set(`${a.registrationNumber}|${p.party}`, ap),
      foreignParties: markForeign(s.foreignParties, { id: p.party, foreign: true }),
    };
  },
  'consent.granted': (s, p: ConsentGranted, r, x) => {
    const a = liveAsset(s, p.registrationNumber);
    if (a.subjects === null) x.gap('REGISTRY_NOT_SUBJECT', `asset ${a.registrationNumber}: its data subjects are concealed and not disclosed`);
    else if (!a.subjects.includes(r.actor)) refuse('REGISTRY_NOT_SUBJECT', `${r.actor}: not a data subject of ${a.registrationNumber}`);
    if (s.consents.has(p.consentId)) refuse('REGISTRY_CONSENT_DUPLICATE', `consent ${p.consentId}: exists`, { consentId: p.consentId });
    const c: ConsentState = {
      consentId: p.consentId,
      registrationNumber: a.registrationNumber,
      subject: r.actor,
      licensee: p.licensee,
      purpose: p.purpose,
      until: p.until ?? null,
      revoked: false,
    };
    const key = `${a.registrationNumber}|${r.actor}|${p.licensee}|${p.purpose}`;
    return {
      ...s,
      consents: s.consents.set(p.consentId, c),
      consentKeys: s.consentKeys.set(key, [...(s.consentKeys.get(key) ?? []), p.consentId]),
    };
  },
  'consent.revoked': (s, p: ConsentRevoked, r) => {
    const c = s.consents.get(p.consentId);
    if (c === undefined || c.revoked) refuse('REGISTRY_CONSENT_UNKNOWN', `consent ${p.consentId}: no such active consent`, { consentId: p.consentId });
    if (c.subject !== r.actor) refuse('REGISTRY_NOT_SUBJECT', `consent ${p.consentId}: only its subject revokes it`);
    // Revoking consent ends the licences granted on it (and their sub-licences).
    return {
      ...s,
      consents: s.consents.set(p.consentId, { ...c, revoked: true }),
      licences: endLicences(s, s.licences, s.consentLicences.get(p.consentId) ?? [], 'ended'),
    };
  },
  'aggregation.opened': (s, p: AggregationOpened, r) => {
    if (s.aggregations.has(p.jobId)) refuse('REGISTRY_AGG_DUPLICATE', `job ${p.jobId}: exists`, { jobId: p.jobId });
    const job: AggregationState = {
      jobId: p.jobId,
      opener: r.actor,
      jobHash: p.jobHash,
      minContributors: p.minContributors,
      maxContributors: p.maxContributors ?? null,
      publicKeyHash: p.publicKeyHash ?? null,
      contributors: [],
      contributions: [],
      rows: 0,
      released: false,
      resultHash: null,
    };
    return { ...s, aggregations: s.aggregations.set(p.jobId, job) };
  },
  'aggregation.contributed': (s, p: AggregationContributed, r) => {
    const job = s.aggregations.get(p.jobId);
    if (job === undefined) refuse('REGISTRY_AGG_UNKNOWN', `job ${p.jobId}: unknown`, { jobId: p.jobId });
    if (job.released) refuse('REGISTRY_AGG_CLOSED', `job ${p.jobId}: released`, { jobId: p.jobId });
    if (job.contributors.includes(r.actor)) refuse('REGISTRY_AGG_DUPLICATE_CONTRIBUTION', `job ${p.jobId}: ${r.actor} already contributed`);
    if (job.maxContributors !== null && job.contributors.length >= job.maxContributors) {
      refuse('REGISTRY_AGG_FULL', `job ${p.jobId}: already ${job.maxContributors} contributors, its most`, {
        jobId: p.jobId,
        maxContributors: job.maxContributors,
      });
    }
    return {
      ...s,
      aggregations: s.aggregations.set(p.jobId, {
        ...job,
        contributors: [...job.contributors, r.actor],
        contributions: [...job.contributions, p.contributionHash],
        rows: job.rows + p.count,
      }),
    };
  },
  'aggregation.released': (s, p: AggregationReleased, r) => {
    const job = s.aggregations.get(p.jobId);
    if (job === undefined) refuse('REGISTRY_AGG_UNKNOWN', `job ${p.jobId}: unknown`, { jobId: p.jobId });
    if (job.released) refuse('REGISTRY_AGG_CLOSED', `job ${p.jobId}: released`, { jobId: p.jobId });
    if (job.opener !== r.actor) refuse('REGISTRY_UNAUTHORISED', `job ${p.jobId}: only its opener releases it`);
    if (job.contributors.length < job.minContributors) {
      refuse('REGISTRY_AGG_TOO_FEW_CONTRIBUTORS', `job ${p.jobId}: ${job.contributors.length} < ${job.minContributors} contributors`);
    }
    if (p.contributors !== job.contributors.length) {
      refuse('REGISTRY_PAYLOAD_INVALID', `contributors: the ledger records ${job.contributors.length}`, { path: '/contributors' });
    }
    return { ...s, aggregations: s.aggregations.set(p.jobId, { ...job, released: true, resultHash: p.resultHash }) };
  },
  'disclosure.erased': (s, p: DisclosureErased, r, x) => {
    const target = s.sealedRecords.get(String(p.index));
    if (target === undefined) refuse('REGISTRY_ERASURE_INVALID', `record ${p.index}: carries no digests`, { target: p.index });
    // A regulator erases any record's disclosures; a data subject only those of its own consent.
    const regulator = rolesOf(s, r.actor).includes('regulator');
    if (!regulator && !(target.type === 'consent.granted' && target.actor === r.actor)) {
      refuse('REGISTRY_UNAUTHORISED', `disclosure.erased: record ${p.index} is not this subject's consent, and the signer is no regulator`);
    }
    const seen = new Set<string>();
    for (const { digest, member } of p.erased) {
      if (!target.digests.includes(digest)) refuse('REGISTRY_ERASURE_INVALID', `${digest}: not a digest of record ${p.index}`, { target: p.index, digest });
      if (seen.has(digest) || s.erasedDigests.has(digest)) refuse('REGISTRY_ERASURE_INVALID', `${digest}: already erased`, { target: p.index, digest });
      if (!CONFIDENTIAL_MEMBERS[target.type].includes(member)) {
        refuse('REGISTRY_ERASURE_INVALID', `${member}: not a confidential member of ${target.type}`, { target: p.index, member });
      }
      // The erasure says which member it drops; a wrong one would leave the value in the state
      // while the vault forgets its disclosure (and misstate the audit's erasure list).
      const hides = target.members[digest];
      if (hides === undefined) x.gap('REGISTRY_ERASURE_INVALID', `record ${p.index}: which member ${digest} hides is known only with its disclosure`);
      else if (hides !== member) {
        refuse('REGISTRY_ERASURE_INVALID', `${digest}: hides ${hides}, not ${member}`, { target: p.index, digest, member });
      }
      seen.add(digest);
    }
    let assets = s.assets;
    let licences = s.licences;
    let erasedDigests = s.erasedDigests;
    for (const { digest, member } of p.erased) {
      erasedDigests = erasedDigests.set(digest, r.index);
      if (target.ref === null) continue;
      if (target.type.startsWith('asset.')) {
        const a = assets.get(target.ref);
        if (a !== undefined) {
          const path = assetPath(member);
          if (a.sealed[path] !== undefined && a.sealed[path] !== digest && !a.opaque.includes(digest)) continue;
          assets = assets.set(a.registrationNumber, eraseFromAsset(a, digest, path, p.index));
        }
      } else if (target.type === 'licence.granted' && member === 'licensee.name') {
        const l = licences.get(target.ref);
        if (l?.licensee.name !== undefined) {
          const { name: _dropped, ...licensee } = l.licensee;
          licences = licences.set(l.licenceId, { ...l, licensee });
        }
      }
    }
    // The erasure names the member of each digest (checked where the disclosure was known): a
    // replay without the erased disclosures learns it here, and reaches the writer's state.
    const members = { ...target.members };
    for (const { digest, member } of p.erased) members[digest] = member;
    const sealedRecords = s.sealedRecords.set(String(p.index), { ...target, members });
    return { ...s, assets, licences, erasedDigests, sealedRecords };
  },
};

/** The asset, licence or consent a record that carries digests is about. */
function refOf(type: RecordType, payload: Record<string, unknown>): string | null {
  if (type === 'licence.granted') return payload.licenceId as string;
  if (type === 'consent.granted') return payload.consentId as string;
  const rn = payload.registrationNumber;
  return typeof rn === 'string' ? rn : null;
}

function checkRoleGate(state: RegistryState, type: RecordType, actor: string): void {
  const a = RECORD_TYPE_TABLE[type].roles;
  if (a.genesis || a.dataSubject) return;
  if (a.rootAuthority) {
    if (actor !== state.rootAuthority) refuse('REGISTRY_UNAUTHORISED', `${type}: only the root authority`, { type, actor });
    return;
  }
  const held = rolesOf(state, actor);
  if (!a.anyOf.some((r) => held.includes(r))) {
    refuse('REGISTRY_UNAUTHORISED', `${type}: needs one of ${a.anyOf.join(', ')}`, { type, actor, anyOf: [...a.anyOf] });
  }
}

/**
 * Applies one record to the registry.
 *
 * Order of checks: record shape, index, time order, genesis placement, type, payload
 * (schema, money), role gate, then the type's own rules.
 * @param state - the current state (never modified)
 * @param record - the next ledger record (index = `state.size`)
 * @returns the new state
 * @throws DataLedgerError with a `REGISTRY_…` code; `details.index` is the record's index
 */
export function applyRecord(state: RegistryState, record: RegistryRecord, options: ApplyOptions = {}): RegistryState {
  try {
    checkRecordShape(record);
    if (record.index !== state.size) {
      refuse('REGISTRY_INDEX_MISMATCH', `index: expected ${state.size}`, { expected: state.size });
    }
    if (state.lastTime !== null && ms(record.time) < ms(state.lastTime)) {
      refuse('REGISTRY_TIME_ORDER', 'time: before the previous record');
    }
    if (state.size === 0 && record.type !== 'ledger.genesis') refuse('REGISTRY_GENESIS_REQUIRED', 'record 0: must be ledger.genesis');
    if (state.size !== 0 && record.type === 'ledger.genesis') refuse('REGISTRY_GENESIS_DUPLICATE', 'ledger.genesis: only at index 0');
    const type = record.type;
    if (!isRecordType(type)) refuse('REGISTRY_UNKNOWN_TYPE', `type: ${type} is not a data-asset record type`, { type });
    // Concealed members (SD-JWT digests) go back in place where disclosed; the schema allows
    // the others to be absent, and the rules that need them say so through `gap`.
    const revealed = options.revealed ?? revealPayload(type, record.payload as JsonObject, options.disclosures ?? NO_DISCLOSURES);
    const partial = revealed.hidden.length > 0;
    const unchecked = options.unchecked;
    const gap = (rule: string, reason: string): void => {
      if (unchecked === undefined) {
        refuse('REGISTRY_DISCLOSURE_REQUIRED', `${type}: rule ${rule} needs a concealed member: ${reason}`, { rule });
      }
      unchecked({ index: record.index, type, rule, reason });
    };
    if (partial) gap('REGISTRY_PAYLOAD_INVALID', `${revealed.hidden.length} concealed member(s) not disclosed: their form is unchecked`);
    // Confidential members a deployment publishes are in clear on the log: public free text.
    const inClear = CONFIDENTIAL_MEMBERS[type].filter((path) => hasPath(record.payload, path)).map((path) => `${type}:${path}`);
    const payload = parseRevealedPayload(type, revealed.payload, partial, CONFIDENTIAL_MEMBERS[type], { public: inClear });
    checkRoleGate(state, type, record.actor);
    const next = (HANDLERS[type] as Handler<RecordType>)(state, payload, record, { revealed, gap });
    const digests = revealed.hidden.length + revealed.revealed.length;
    const sealedRecords =
      digests === 0
        ? next.sealedRecords
        : next.sealedRecords.set(String(record.index), {
            type,
            actor: record.actor,
            // Sorted: the same whichever of them were disclosed (a replay equals the live state).
            digests: [...revealed.revealed.map((m) => m.digest), ...revealed.hidden.map((h) => h.digest)].sort(),
            members: Object.fromEntries(revealed.revealed.map((m) => [m.digest, m.path])),
            ref: refOf(type, revealed.payload as Record<string, unknown>),
          });
    return { ...next, sealedRecords, size: state.size + 1, lastTime: record.time };
  } catch (err) {
    if (err instanceof DataLedgerError && err.details?.index === undefined) {
      throw new DataLedgerError(err.code, err.message, {
        cause: err.cause,
        details: { ...err.details, index: (record as { index?: unknown })?.index ?? null },
      });
    }
    throw err;
  }
}

const NO_DISCLOSURES: ReadonlyMap<string, OpenedDisclosure> = new Map();

/** True when `value` has the member at `path` (`member` or `object.member`). */
function hasPath(value: unknown, path: string): boolean {
  let v: unknown = value;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !(k in v)) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return true;
}

/**
 * Advances the state past a record without applying it (for audits that report a refused
 * record and go on). The index and time still move, so later records are checked in place.
 */
export function skipRecord(state: RegistryState, record: { index?: unknown; time?: unknown }): RegistryState {
  const time =
    typeof record.time === 'string' && !Number.isNaN(Date.parse(record.time)) && (state.lastTime === null || record.time > state.lastTime)
      ? record.time
      : state.lastTime;
  return { ...state, size: state.size + 1, lastTime: time };
}

/**
 * Replays records from the empty state.
 * @param records - the ledger's records in order
 * @returns the final state
 * @throws DataLedgerError (`REGISTRY_…`) at the first refused record, with `details.index`
 */
export function replayRegistry(records: Iterable<RegistryRecord>): RegistryState {
  let s = emptyRegistryState();
  for (const r of records) s = applyRecord(s, r);
  return s;
}
