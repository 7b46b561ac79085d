/**
 * Typed payloads of the data-asset record types, as TypeBox (JSON Schema) schemas so the
 * service reuses them for its route schemas and OpenAPI. Untrusted payloads are checked
 * here, once, at the edge ({@link parsePayload}); the state machine trusts the typed value.
 *
 * Money is a decimal string with a currency, never a JSON number.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema, type TString, type TUnsafe } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CertificateError } from './errors.ts';
import { publicTextPii } from './masking.ts';

// ---------------------------------------------------------------------------------------
// Vocabulary

/** Roles granted by the root authority (DESIGN.md "The data-asset domain"). */
export const ROLES = ['registry', 'regulator', 'appraiser', 'reviewer', 'exchange', 'holder'] as const;
/** A role. */
export type Role = (typeof ROLES)[number];

/** Data classification levels (分类分级). */
export const CLASSIFICATIONS = ['general', 'important', 'core'] as const;
/** A classification level. */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Rights over data (三权分置): holding, processing-and-use, product operation. */
export const RIGHTS_TYPES = ['holding', 'processing-and-use', 'product-operation'] as const;
/** A rights type. */
export type RightsType = (typeof RIGHTS_TYPES)[number];

/** How often an asset's data is updated. */
export const UPDATE_FREQUENCIES = ['once', 'realtime', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'] as const;
/** An update frequency. */
export type UpdateFrequency = (typeof UPDATE_FREQUENCIES)[number];

/** Valuation methods (资产评估: cost, income, market approaches). */
export const VALUATION_METHODS = ['cost', 'income', 'market', 'other'] as const;
/** A valuation method. */
export type ValuationMethod = (typeof VALUATION_METHODS)[number];

/** Every record type of the data-asset ledger. */
export const RECORD_TYPES = [
  'ledger.genesis',
  'role.granted',
  'role.revoked',
  'asset.registered',
  'asset.reviewed',
  'asset.valued',
  'certificate.issued',
  'certificate.suspended',
  'certificate.reinstated',
  'certificate.revoked',
  'asset.transferred',
  'licence.granted',
  'licence.revoked',
  'asset.frozen',
  'asset.unfrozen',
  'asset.changed',
  'asset.cancelled',
  'crossborder.approved',
  'consent.granted',
  'consent.revoked',
  'aggregation.opened',
  'aggregation.contributed',
  'aggregation.released',
  'disclosure.erased',
] as const;
/** A record type. */
export type RecordType = (typeof RECORD_TYPES)[number];

/** True when `type` is a data-asset record type. */
export function isRecordType(type: unknown): type is RecordType {
  return typeof type === 'string' && (RECORD_TYPES as readonly string[]).includes(type);
}

// ---------------------------------------------------------------------------------------
// Shared schemas

const str = (maxLength: number): TString => Type.String({ minLength: 1, maxLength });
// A union of string literals whose static type is the literal union (for the drift check below).
const union = <T extends string>(values: readonly T[]): TUnsafe<T> => Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));

/** An Ed25519 did:key (no fragment). */
export const DidSchema: TString = Type.String({ pattern: '^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}$', maxLength: 64 });
/** A registration number: upper-case letters, digits and dashes. */
export const RegistrationNumberSchema: TString = Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{2,63}$' });
/** An identifier (licence, consent, job, certificate id; `urn:uuid:…` fits). */
export const IdentifierSchema: TString = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$' });
/** A lower-case hex SHA-256 digest. */
export const Sha256HexSchema: TString = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** An RFC 3339 UTC date-time (`2026-11-26T08:00:00Z` or with milliseconds). */
export const DateTimeSchema: TString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$' });
/** A non-negative decimal amount as a string (money is never a float). */
export const DecimalSchema: TString = Type.String({ pattern: '^(0|[1-9][0-9]{0,29})(\\.[0-9]{1,18})?$' });
/** An ISO 4217 currency code. */
export const CurrencySchema: TString = Type.String({ pattern: '^[A-Z]{3}$' });
/**
 * An https URL (status list credential), or an http URL on the loopback interface (a service
 * tried on one machine, `dataledger serve` without `--public-url`): nothing else travels in
 * clear text.
 */
export const HttpsUrlSchema: TString = Type.String({
  pattern: '^(https://|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?/)[^\\s#]{1,500}$',
});

/** Money: a decimal string and a currency. */
export interface Money {
  amount: string;
  currency: string;
}
const money = Type.Object({ amount: DecimalSchema, currency: CurrencySchema }, { additionalProperties: false });
/** Money schema. */
export const MoneySchema: TObject = money;

/** A valuation: amount, currency and method. */
export interface Valuation extends Money {
  method: ValuationMethod;
}
const valuation = Type.Object({ amount: DecimalSchema, currency: CurrencySchema, method: union(VALUATION_METHODS) }, { additionalProperties: false });
/** Valuation schema. */
export const ValuationSchema: TObject = valuation;

/** A party: a did:key, whether it is foreign (outside the jurisdiction: data customs), and a name. */
export interface Party {
  id: string;
  foreign: boolean;
  name?: string;
}
const party = Type.Object({ id: DidSchema, foreign: Type.Boolean(), name: Type.Optional(str(200)) }, { additionalProperties: false });
/** Party schema. */
export const PartySchema: TObject = party;

/** A time window. */
export interface Validity {
  from: string;
  until: string;
}
const validity = Type.Object({ from: DateTimeSchema, until: DateTimeSchema }, { additionalProperties: false });
/** Validity schema. */
export const ValiditySchema: TObject = validity;

/** Where the data comes from (一数一源: one datum, one source). */
export interface DataSource {
  /** The source department. */
  department: string;
  /** The legal or administrative basis on which the data was collected / is held. */
  authorisationBasis: string;
}
const dataSource = Type.Object({ department: str(200), authorisationBasis: str(1000) }, { additionalProperties: false });
/** Data source schema. */
export const DataSourceSchema: TObject = dataSource;

// ---------------------------------------------------------------------------------------
// Payloads

/** `ledger.genesis` (index 0): names the root authority that grants roles. */
export interface LedgerGenesis {
  rootAuthority: string;
  ledgerName: string;
}
/** `role.granted` / `role.revoked`, signed by the root authority. */
export interface RoleChange {
  subject: string;
  role: Role;
}
/** `asset.registered` (登记): the asset; the registration number is assigned here. */
export interface AssetRegistered {
  registrationNumber: string;
  name: string;
  holder: Party;
  source: DataSource;
  classification: Classification;
  rights: RightsType[];
  /** SHA-256 (hex) of the data or of its Merkle root. */
  fingerprint: string;
  fingerprintOf: 'data' | 'merkle-root';
  rowCount: number;
  updateFrequency: UpdateFrequency;
  valuation?: Valuation;
  validity: Validity;
  /** Data about identified persons or enterprises (确权授权): licences need their consent. */
  subjectIdentified: boolean;
  /** The data subjects (did:key) whose consent licences need; non-empty when `subjectIdentified`. */
  subjects: string[];
  description?: string;
}
/** `asset.reviewed` (合规审查). */
export interface AssetReviewed {
  registrationNumber: string;
  outcome: 'approved' | 'rejected';
  opinion: string;
  reportHash?: string;
}
/** `asset.valued` (评估). */
export interface AssetValued {
  registrationNumber: string;
  valuation: Valuation;
  reportHash?: string;
}
/** `certificate.issued`: binds a certificate id, its status list index and its subject to the ledger. */
export interface CertificateIssued {
  certificateId: string;
  registrationNumber: string;
  /** The bit of this certificate in both status lists. */
  statusListIndex: number;
  revocationList: string;
  suspensionList: string;
  validFrom: string;
  validUntil: string;
  /** SHA-256 (hex) of the canonical `credentialSubject` of the certificate. */
  subjectHash: string;
}
/** `certificate.suspended|reinstated|revoked`: flips the status lists. */
export interface CertificateStatusChange {
  certificateId: string;
  reason: string;
}
/** `asset.transferred`: the holder hands the asset to another party. */
export interface AssetTransferred {
  registrationNumber: string;
  to: Party;
  price?: Money;
  contractHash?: string;
  /**
   * The licences the previous holder granted stay in force, and the new holder may revoke
   * them; otherwise they end at the transfer (default false).
   */
  keepLicences?: boolean;
}
/** `licence.granted` (授权使用): licensee, purpose, scope and term; a sub-licence names its parent. */
export interface LicenceGranted {
  licenceId: string;
  registrationNumber: string;
  licensee: Party;
  purpose: string;
  scope: string[];
  term: Validity;
  sublicensable: boolean;
  parentLicenceId?: string;
  fee?: Money;
}
/** `licence.revoked`. */
export interface LicenceRevoked {
  licenceId: string;
  reason: string;
}
/** `asset.frozen|unfrozen|cancelled` (监管). */
export interface AssetSupervision {
  registrationNumber: string;
  reason: string;
}
/** The fields `asset.changed` (变更) may change. */
export interface AssetChanges {
  name?: string;
  source?: DataSource;
  classification?: Classification;
  rights?: RightsType[];
  fingerprint?: string;
  fingerprintOf?: 'data' | 'merkle-root';
  rowCount?: number;
  updateFrequency?: UpdateFrequency;
  validity?: Validity;
  subjectIdentified?: boolean;
  subjects?: string[];
  description?: string;
}
/** `asset.changed` (变更). */
export interface AssetChanged {
  registrationNumber: string;
  changes: AssetChanges;
}
/** `crossborder.approved` (数据出境): an asset may go to one foreign party. */
export interface CrossborderApproved {
  registrationNumber: string;
  party: string;
  purpose: string;
  until?: string;
}
/** Who a data subject is, as its consent states it (personal information: confidential by default). */
export interface PersonInfo {
  name: string;
  /** An 18-character resident identity number (GB 11643). */
  idNumber?: string;
  /** A mobile phone number. */
  phone?: string;
}
/** `consent.granted`, signed by the data subject itself: names the licensee and purpose. */
export interface ConsentGranted {
  consentId: string;
  registrationNumber: string;
  licensee: string;
  purpose: string;
  until?: string;
  /** The subject's identity as the consent form records it (concealed on the log by default). */
  person?: PersonInfo;
}
/** `consent.revoked`, signed by the subject; ends the licences that depend on it. */
export interface ConsentRevoked {
  consentId: string;
}
/** `aggregation.opened`: hashes and counts only, never data. */
export interface AggregationOpened {
  jobId: string;
  jobHash: string;
  minContributors: number;
  /**
   * The job's most contributors: with it the registry refuses a contribution past it
   * (`REGISTRY_AGG_FULL`), so instances taking contributions at once cannot record more than the
   * job can fold. Optional: records written without it stay valid.
   */
  maxContributors?: number;
  /**
   * Hex SHA-256 of the job's serialized public key (the aggregation envelopes' `keyHash`, in
   * hex): an instance serving a job it did not open takes its key only if it has this hash.
   */
  publicKeyHash?: string;
}
/** `aggregation.contributed`: a holder's committed ciphertext, by hash. */
export interface AggregationContributed {
  jobId: string;
  contributionHash: string;
  count: number;
}
/** `aggregation.released`: the released result, by hash, and how many contributed. */
export interface AggregationReleased {
  jobId: string;
  resultHash: string;
  contributors: number;
}

/** One erased disclosure: its digest and the member it disclosed (`valuation`, `holder.name`…). */
export interface ErasedDisclosure {
  digest: string;
  member: string;
}
/**
 * `disclosure.erased`: the disclosures of record `index` are deleted from the vault (a
 * regulator, or the data subject for its own consent). The digests stay on the log.
 */
export interface DisclosureErased {
  index: number;
  erased: ErasedDisclosure[];
  reason: string;
}

/** The payload type of each record type. */
export interface PayloadByType {
  'ledger.genesis': LedgerGenesis;
  'role.granted': RoleChange;
  'role.revoked': RoleChange;
  'asset.registered': AssetRegistered;
  'asset.reviewed': AssetReviewed;
  'asset.valued': AssetValued;
  'certificate.issued': CertificateIssued;
  'certificate.suspended': CertificateStatusChange;
  'certificate.reinstated': CertificateStatusChange;
  'certificate.revoked': CertificateStatusChange;
  'asset.transferred': AssetTransferred;
  'licence.granted': LicenceGranted;
  'licence.revoked': LicenceRevoked;
  'asset.frozen': AssetSupervision;
  'asset.unfrozen': AssetSupervision;
  'asset.changed': AssetChanged;
  'asset.cancelled': AssetSupervision;
  'crossborder.approved': CrossborderApproved;
  'consent.granted': ConsentGranted;
  'consent.revoked': ConsentRevoked;
  'aggregation.opened': AggregationOpened;
  'aggregation.contributed': AggregationContributed;
  'aggregation.released': AggregationReleased;
  'disclosure.erased': DisclosureErased;
}

const obj = <P extends TProperties>(props: P): TObject<P> => Type.Object(props, { additionalProperties: false });
const rn = RegistrationNumberSchema;
const reason = str(1000);
const rights = Type.Array(union(RIGHTS_TYPES), { minItems: 1, maxItems: 3, uniqueItems: true });
const subjects = Type.Array(DidSchema, { maxItems: 64, uniqueItems: true });
const count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const statusChange = obj({ certificateId: IdentifierSchema, reason });
const supervision = obj({ registrationNumber: rn, reason });
const roleChange = obj({ subject: DidSchema, role: union(ROLES) });
const fingerprintOf = union(['data', 'merkle-root'] as const);

// ---------------------------------------------------------------------------------------
// The record-type table: one row per record type, its payload schema and who may write it

/**
 * Who may write a record type (the role gate of DESIGN.md "Who may write each record type").
 * Ownership rules on top of it (only the current holder transfers, only the licensee
 * sub-licenses, only the opener releases) are the registry's.
 */
export interface Authorisation {
  /** Roles of which the actor must hold one (empty: no role needed). */
  readonly anyOf: readonly Role[];
  /** Only the root authority named by the genesis record. */
  readonly rootAuthority: boolean;
  /** Only a data subject of the asset (consent records); no role. */
  readonly dataSubject: boolean;
  /** The genesis record: the actor must be the root authority it names. */
  readonly genesis: boolean;
}

/** One row of {@link RECORD_TYPE_TABLE}: everything the ledger knows about one record type. */
export interface RecordTypeRow {
  /** JSON Schema (TypeBox) of the payload; every object refuses unknown members. */
  readonly schema: TObject;
  /** Who may write it. */
  readonly roles: Authorisation;
}

const writers = (over: Partial<Authorisation>): Authorisation => ({ anyOf: [], rootAuthority: false, dataSubject: false, genesis: false, ...over });
const anyOf = (...roles: Role[]): Authorisation => writers({ anyOf: roles });
const rootAuthority = (): Authorisation => writers({ rootAuthority: true });
const dataSubject = (): Authorisation => writers({ dataSubject: true });
const genesis = (): Authorisation => writers({ genesis: true });

// `satisfies` over the mapped type: a record type without a row (or a row for no type) fails
// `tsc`, while each row keeps its precise schema type for the drift check below.
const table = {
  'ledger.genesis': {
    schema: obj({ rootAuthority: DidSchema, ledgerName: str(200) }),
    roles: genesis(),
  },
  'role.granted': {
    schema: roleChange,
    roles: rootAuthority(),
  },
  'role.revoked': {
    schema: roleChange,
    roles: rootAuthority(),
  },
  'asset.registered': {
    schema: obj({
      registrationNumber: rn,
      name: str(200),
      holder: party,
      source: dataSource,
      classification: union(CLASSIFICATIONS),
      rights,
      fingerprint: Sha256HexSchema,
      fingerprintOf,
      rowCount: count,
      updateFrequency: union(UPDATE_FREQUENCIES),
      valuation: Type.Optional(valuation),
      validity: validity,
      subjectIdentified: Type.Boolean(),
      subjects,
      description: Type.Optional(str(2000)),
    }),
    roles: anyOf('registry'),
  },
  'asset.reviewed': {
    schema: obj({
      registrationNumber: rn,
      outcome: union(['approved', 'rejected'] as const),
      opinion: str(2000),
      reportHash: Type.Optional(Sha256HexSchema),
    }),
    roles: anyOf('reviewer'),
  },
  'asset.valued': {
    schema: obj({ registrationNumber: rn, valuation: valuation, reportHash: Type.Optional(Sha256HexSchema) }),
    roles: anyOf('appraiser'),
  },
  'certificate.issued': {
    schema: obj({
      certificateId: IdentifierSchema,
      registrationNumber: rn,
      statusListIndex: Type.Integer({ minimum: 0, maximum: (1 << 27) - 1 }),
      revocationList: HttpsUrlSchema,
      suspensionList: HttpsUrlSchema,
      validFrom: DateTimeSchema,
      validUntil: DateTimeSchema,
      subjectHash: Sha256HexSchema,
    }),
    roles: anyOf('registry'),
  },
  'certificate.suspended': {
    schema: statusChange,
    roles: anyOf('registry', 'regulator'),
  },
  'certificate.reinstated': {
    schema: statusChange,
    roles: anyOf('registry', 'regulator'),
  },
  'certificate.revoked': {
    schema: statusChange,
    roles: anyOf('registry', 'regulator'),
  },
  'asset.transferred': {
    schema: obj({
      registrationNumber: rn,
      to: party,
      price: Type.Optional(money),
      contractHash: Type.Optional(Sha256HexSchema),
      keepLicences: Type.Optional(Type.Boolean()),
    }),
    roles: anyOf('holder'),
  },
  'licence.granted': {
    schema: obj({
      licenceId: IdentifierSchema,
      registrationNumber: rn,
      licensee: party,
      purpose: str(200),
      scope: Type.Array(str(100), { minItems: 1, maxItems: 32, uniqueItems: true }),
      term: validity,
      sublicensable: Type.Boolean(),
      parentLicenceId: Type.Optional(IdentifierSchema),
      fee: Type.Optional(money),
    }),
    roles: anyOf('holder'),
  },
  'licence.revoked': {
    schema: obj({ licenceId: IdentifierSchema, reason }),
    roles: anyOf('holder', 'regulator'),
  },
  'asset.frozen': {
    schema: supervision,
    roles: anyOf('regulator'),
  },
  'asset.unfrozen': {
    schema: supervision,
    roles: anyOf('regulator'),
  },
  'asset.changed': {
    schema: obj({
      registrationNumber: rn,
      changes: Type.Object(
        {
          name: Type.Optional(str(200)),
          source: Type.Optional(dataSource),
          classification: Type.Optional(union(CLASSIFICATIONS)),
          rights: Type.Optional(rights),
          fingerprint: Type.Optional(Sha256HexSchema),
          fingerprintOf: Type.Optional(fingerprintOf),
          rowCount: Type.Optional(count),
          updateFrequency: Type.Optional(union(UPDATE_FREQUENCIES)),
          validity: Type.Optional(validity),
          subjectIdentified: Type.Optional(Type.Boolean()),
          subjects: Type.Optional(subjects),
          description: Type.Optional(str(2000)),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    }),
    roles: anyOf('registry'),
  },
  'asset.cancelled': {
    schema: supervision,
    roles: anyOf('regulator'),
  },
  'crossborder.approved': {
    schema: obj({ registrationNumber: rn, party: DidSchema, purpose: str(200), until: Type.Optional(DateTimeSchema) }),
    roles: anyOf('regulator'),
  },
  'consent.granted': {
    schema: obj({
      consentId: IdentifierSchema,
      registrationNumber: rn,
      licensee: DidSchema,
      purpose: str(200),
      until: Type.Optional(DateTimeSchema),
      person: Type.Optional(
        obj({
          name: str(100),
          idNumber: Type.Optional(Type.String({ pattern: '^[0-9]{17}[0-9X]$' })),
          phone: Type.Optional(Type.String({ pattern: '^(\\+86)?1[3-9][0-9]{9}$' })),
        }),
      ),
    }),
    roles: dataSubject(),
  },
  'consent.revoked': {
    schema: obj({ consentId: IdentifierSchema }),
    roles: dataSubject(),
  },
  'aggregation.opened': {
    schema: obj({
      jobId: IdentifierSchema,
      jobHash: Sha256HexSchema,
      minContributors: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      maxContributors: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      publicKeyHash: Type.Optional(Sha256HexSchema),
    }),
    roles: anyOf('exchange', 'regulator'),
  },
  'aggregation.contributed': {
    schema: obj({ jobId: IdentifierSchema, contributionHash: Sha256HexSchema, count }),
    roles: anyOf('holder'),
  },
  'aggregation.released': {
    schema: obj({ jobId: IdentifierSchema, resultHash: Sha256HexSchema, contributors: count }),
    roles: anyOf('exchange', 'regulator'),
  },
  'disclosure.erased': {
    schema: obj({
      index: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
      erased: Type.Array(obj({ digest: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), member: str(64) }), { minItems: 1, maxItems: 64 }),
      reason,
    }),
    // A regulator erases any record's disclosures; a data subject those of its own consent
    // (the registry checks which consent).
    roles: writers({ anyOf: ['regulator'], dataSubject: true }),
  },
} satisfies { readonly [T in RecordType]: RecordTypeRow };

/**
 * The record-type table: for each record type, its payload schema and who may write it. Adding
 * a record type is adding one row (and its handler in the registry).
 */
export const RECORD_TYPE_TABLE: { readonly [T in RecordType]: RecordTypeRow } = table;

/** JSON Schema (TypeBox) of each record type's payload, read off {@link RECORD_TYPE_TABLE}. */
export const PAYLOAD_SCHEMAS: Readonly<Record<RecordType, TObject>> = Object.fromEntries(
  Object.entries(RECORD_TYPE_TABLE).map(([type, row]) => [type, row.schema]),
) as Record<RecordType, TObject>;

// Drift check, at compile time: each schema's static type and the payload interface are
// mutually assignable. A schema edited without its interface (or the reverse) fails `tsc`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const payloadTypesMatch: { [T in RecordType]: Same<Static<(typeof table)[T]['schema']>, PayloadByType[T]> } = {
  'ledger.genesis': true,
  'role.granted': true,
  'role.revoked': true,
  'asset.registered': true,
  'asset.reviewed': true,
  'asset.valued': true,
  'certificate.issued': true,
  'certificate.suspended': true,
  'certificate.reinstated': true,
  'certificate.revoked': true,
  'asset.transferred': true,
  'licence.granted': true,
  'licence.revoked': true,
  'asset.frozen': true,
  'asset.unfrozen': true,
  'asset.changed': true,
  'asset.cancelled': true,
  'crossborder.approved': true,
  'consent.granted': true,
  'consent.revoked': true,
  'aggregation.opened': true,
  'aggregation.contributed': true,
  'aggregation.released': true,
  'disclosure.erased': true,
};
void payloadTypesMatch;

let compiled: Map<RecordType, TypeCheck<TObject>> | undefined;

function checker(type: RecordType): TypeCheck<TObject> {
  compiled ??= new Map();
  let c = compiled.get(type);
  if (c === undefined) {
    c = TypeCompiler.Compile(RECORD_TYPE_TABLE[type].schema);
    compiled.set(type, c);
  }
  return c;
}

const MONEY_KEYS = new Set(['valuation', 'price', 'fee']);

function findFloatMoney(value: unknown, depth = 0): string | null {
  if (depth > 4 || typeof value !== 'object' || value === null) return null;
  for (const [k, v] of Object.entries(value)) {
    if (MONEY_KEYS.has(k) && typeof v === 'object' && v !== null && typeof (v as { amount?: unknown }).amount === 'number') return k;
    const inner = findFloatMoney(v, depth + 1);
    if (inner !== null) return `${k}.${inner}`;
  }
  return null;
}

// The schema checks the form; this checks the calendar (no 30 February, no hour 25).
function dateOk(s: string | undefined): boolean {
  if (s === undefined) return true;
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19);
}

/** Options of {@link parsePayload}. */
export interface ParsePayloadOptions {
  /**
   * Members confidential by default that the deployment's disclosure policy makes public, as
   * `type:path` entries (`asset.registered:description`): their free text is checked for
   * unmasked identifiers too (`REGISTRY_PUBLIC_PII`).
   */
  public?: readonly string[];
}

/**
 * Validates an untrusted payload against its record type's schema and returns it typed.
 * @param type - the record type
 * @param value - the payload as received
 * @param options - the members made public by the disclosure policy
 * @returns the same value, typed
 * @throws DataLedgerError `REGISTRY_UNKNOWN_TYPE`, `REGISTRY_MONEY_NOT_DECIMAL` (an amount sent as a
 *   JSON number), `REGISTRY_PAYLOAD_INVALID` (with `details.path` of the first problem),
 *   `REGISTRY_PUBLIC_PII` (a public free-text member carries an unmasked resident ID number or
 *   mobile number; `details.path`, `details.category`)
 */
export function parsePayload<T extends RecordType>(type: T, value: unknown, options: ParsePayloadOptions = {}): PayloadByType[T] {
  if (!isRecordType(type)) throw new CertificateError('REGISTRY_UNKNOWN_TYPE', `type: not a data-asset record type`, { details: { type } });
  return checkPayload(type, value, checker(type), options);
}

function checkPayload<T extends RecordType>(type: T, value: unknown, c: TypeCheck<TObject>, options: ParsePayloadOptions): PayloadByType[T] {
  const money = findFloatMoney(value);
  if (money !== null) {
    throw new CertificateError('REGISTRY_MONEY_NOT_DECIMAL', `payload.${money}.amount: money is a decimal string, never a number`, {
      details: { path: `/${money.replace(/\./g, '/')}/amount` },
    });
  }
  if (!c.Check(value)) {
    const first = c.Errors(value).First();
    throw new CertificateError('REGISTRY_PAYLOAD_INVALID', `payload${first?.path ?? ''}: ${first?.message ?? 'invalid'}`, {
      details: { type, path: first?.path ?? '' },
    });
  }
  // Cross-field checks the schema cannot express.
  const p = value as Record<string, unknown>;
  const invalid = (path: string, message: string): never => {
    throw new CertificateError('REGISTRY_PAYLOAD_INVALID', `payload${path}: ${message}`, { details: { type, path } });
  };
  for (const key of ['validFrom', 'validUntil', 'until'] as const) if (!dateOk(p[key] as string | undefined)) invalid(`/${key}`, 'not a date');
  for (const key of ['validity', 'term'] as const) {
    const w = p[key] as Validity | undefined;
    if (w !== undefined && (!dateOk(w.from) || !dateOk(w.until))) invalid(`/${key}`, 'not a date');
  }
  if (type === 'asset.registered') {
    const a = value as unknown as AssetRegistered;
    // (Hidden subjects, in a replay without disclosures, are checked where they were disclosed.)
    if (a.subjectIdentified && a.subjects !== undefined && a.subjects.length === 0) invalid('/subjects', 'identified data names its subjects');
  }
  if (type === 'aggregation.opened') {
    const o = value as unknown as AggregationOpened;
    if (o.maxContributors !== undefined && o.maxContributors < o.minContributors) invalid('/maxContributors', 'fewer than minContributors');
  }
  if (type === 'asset.changed') {
    const ch = (value as unknown as AssetChanged).changes;
    if (ch.validity !== undefined && (!dateOk(ch.validity.from) || !dateOk(ch.validity.until))) invalid('/changes/validity', 'not a date');
  }
  // The public log is append-only and replicated: an identifier written there in clear cannot be
  // called back. Masked forms (110105********002X, 138****5678) pass (README "Desensitisation").
  const pii = publicTextPii(type, value, options);
  if (pii !== null) {
    const what = pii.category === 'residentId' ? 'a resident ID number' : 'a mobile number';
    // The message names the member, never the value (it is logged and sent back).
    throw new CertificateError('REGISTRY_PUBLIC_PII', `payload${pii.path}: carries ${what} in clear; the public log only takes it masked`, {
      details: { type, path: pii.path, category: pii.category },
    });
  }
  return value as unknown as PayloadByType[T];
}

// By type and hidden members: `parseRevealedPayload` is public and takes any list of them.
let relaxed: Map<string, TypeCheck<TObject>> | undefined;

/**
 * The schema of a payload some of whose confidential members are hidden (not disclosed): those
 * members become optional, and the objects holding them lose their `minProperties`.
 */
function relaxedChecker(type: RecordType, confidential: readonly string[]): TypeCheck<TObject> {
  relaxed ??= new Map();
  const key = `${type}:${confidential.join(',')}`;
  let c = relaxed.get(key);
  if (c === undefined) {
    const base = RECORD_TYPE_TABLE[type].schema;
    const props: TProperties = { ...base.properties };
    for (const path of confidential) {
      const [first, second] = path.split('.') as [string, string | undefined];
      const member = props[first] as TSchema;
      if (second === undefined) {
        props[first] = Type.Optional(member);
        continue;
      }
      const inner = member as unknown as TObject;
      const innerProps: TProperties = { ...inner.properties };
      innerProps[second] = Type.Optional(innerProps[second] as TSchema);
      const rebuilt = Type.Object(innerProps, { additionalProperties: false });
      props[first] = base.required?.includes(first) === true ? rebuilt : Type.Optional(rebuilt);
    }
    c = TypeCompiler.Compile(Type.Object(props, { additionalProperties: false }));
    relaxed.set(key, c);
  }
  return c;
}

/**
 * Validates a revealed payload (`revealPayload`) of which some confidential members may be
 * hidden: with `partial` false it is {@link parsePayload}; with `partial` true the confidential
 * members given in `confidential` may be absent, and every other member is checked as usual.
 * `options.public` names the confidential members the logged payload carries in clear (their
 * free text is public, so it is checked for identifiers).
 * @throws CertificateError as {@link parsePayload}
 */
export function parseRevealedPayload<T extends RecordType>(
  type: T,
  value: unknown,
  partial: boolean,
  confidential: readonly string[],
  options: ParsePayloadOptions = {},
): PayloadByType[T] {
  if (!partial) return parsePayload(type, value, options);
  if (!isRecordType(type)) throw new CertificateError('REGISTRY_UNKNOWN_TYPE', `type: not a data-asset record type`, { details: { type } });
  return checkPayload(type, value, relaxedChecker(type, confidential), options);
}

/** Validates `value` as JSON object payload of any data-asset record type (see {@link parsePayload}). */
export function parseAnyPayload(type: string, value: unknown, options: ParsePayloadOptions = {}): PayloadByType[RecordType] {
  return parsePayload(type as RecordType, value, options);
}
