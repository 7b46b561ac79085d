import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sha256, toHex } from '@dataledger/core';
import { cliError } from '../errors.ts';

/** A JSON object payload. */
export type Payload = Record<string, unknown>;

/** One option of a write verb: its commander flags, help, and whether it repeats. */
export interface VerbOption {
  flags: string;
  description: string;
  /** Repeatable (collects into an array; commas also split). */
  repeat?: boolean;
}

/** What a verb needs besides its options when it builds a payload. */
export interface VerbContext {
  /** The signer's did:key. */
  did: string;
  /** Resolves a path against the working directory. */
  path: (file: string) => string;
  /** Now, as an RFC 3339 UTC time. */
  now: string;
}

/** A friendly verb: a record type and how its options become the payload. */
export interface WriteVerb {
  /** `role grant`, `asset register`, … */
  words: [string, string];
  type: string;
  description: string;
  /** A runnable example for `--help`. */
  example: string;
  options: VerbOption[];
  /** Members the payload must have (from options or `--payload`), with the option that sets each. */
  required: Record<string, string>;
  /** Builds the members the options set (undefined members are left out). */
  build(o: Record<string, unknown>, ctx: VerbContext): Promise<Payload> | Payload;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] | undefined => {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '');
  return items.length === 0 ? undefined : items;
};
const int = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw cliError('CLI_USAGE', `${flag} must be a non-negative integer`);
  return Number(v);
};
const time = (v: unknown, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  const t = new Date(String(v));
  if (Number.isNaN(t.getTime())) throw cliError('CLI_USAGE', `${flag} ${JSON.stringify(v)} is not a date or RFC 3339 time`);
  return t.toISOString();
};
const party = (id: unknown, name: unknown, foreign: unknown): Payload | undefined =>
  str(id) === undefined ? undefined : { id, foreign: foreign === true, ...(str(name) === undefined ? {} : { name }) };
const money = (amount: unknown, currency: unknown): Payload | undefined =>
  str(amount) === undefined ? undefined : { amount, currency: str(currency) ?? 'CNY' };

/** SHA-256 (hex) of a file's bytes: the fingerprint of data or a report. */
async function fileDigest(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw cliError('CLI_FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
  return toHex(sha256(bytes));
}

/** The SHA-256 (hex) of the file an option names, or undefined when the option is absent. */
async function optionalDigest(file: unknown, ctx: VerbContext): Promise<string | undefined> {
  return str(file) === undefined ? undefined : fileDigest(ctx.path(file as string));
}

const NUMBER: VerbOption = { flags: '--number <registration-number>', description: 'registration number of the asset (e.g. DL-2026-0001)' };
const REASON: VerbOption = { flags: '--reason <text>', description: 'why (kept in the ledger)' };
const CERT_ID: VerbOption = { flags: '--id <certificate-id>', description: 'the certificate id' };
const ROLE_OPTIONS: VerbOption[] = [
  { flags: '--subject <did>', description: 'did:key of the actor' },
  { flags: '--role <role>', description: 'registry | regulator | appraiser | reviewer | exchange | holder' },
];

const statusVerb = (word: string, type: string, what: string): WriteVerb => ({
  words: ['cert', word],
  type,
  description: `${what} a certificate (registry or regulator): ${type}`,
  example: `dataledger cert ${word} --id urn:uuid:… --reason "…" --url http://127.0.0.1:8080 --key regulator.json`,
  options: [CERT_ID, REASON],
  required: { certificateId: '--id', reason: '--reason' },
  build: (o) => ({ certificateId: o['id'], reason: o['reason'] }),
});

const supervisionVerb = (word: string, type: string, what: string): WriteVerb => ({
  words: ['asset', word],
  type,
  description: `${what} an asset (regulator): ${type}`,
  example: `dataledger asset ${word} --number DL-2026-0001 --reason "…" --url http://127.0.0.1:8080 --key regulator.json`,
  options: [NUMBER, REASON],
  required: { registrationNumber: '--number', reason: '--reason' },
  build: (o) => ({ registrationNumber: o['number'], reason: o['reason'] }),
});

/**
 * The friendly write verbs: one row per verb, each a record type and the mapping of its
 * options to payload members (DESIGN.md "The data-asset domain"). `--payload FILE` gives a
 * full payload; options override its members.
 */
export const WRITE_VERBS: readonly WriteVerb[] = [
  {
    words: ['role', 'grant'],
    type: 'role.granted',
    description: 'Grant a role (signed by the root authority: --key DATA/root.key)',
    example: 'dataledger role grant --subject did:key:z6Mk… --role registry --url http://127.0.0.1:8080 --key data/root.key',
    options: ROLE_OPTIONS,
    required: { subject: '--subject', role: '--role' },
    build: (o) => ({ subject: o['subject'], role: o['role'] }),
  },
  {
    words: ['role', 'revoke'],
    type: 'role.revoked',
    description: 'Revoke a role (signed by the root authority)',
    example: 'dataledger role revoke --subject did:key:z6Mk… --role registry --url http://127.0.0.1:8080 --key data/root.key',
    options: ROLE_OPTIONS,
    required: { subject: '--subject', role: '--role' },
    build: (o) => ({ subject: o['subject'], role: o['role'] }),
  },
  {
    words: ['asset', 'register'],
    type: 'asset.registered',
    description: 'Register a data asset (登记; registry)',
    example:
      'dataledger asset register --number DL-2026-0001 --name "Road traffic counts" --holder did:key:z6Mk… \\\n' +
      '    --department "Transport Bureau" --basis "Road Traffic Safety Law art. 8" --classification general \\\n' +
      '    --data counts.csv --rows 52000 --valid-until 2027-12-31 --url http://127.0.0.1:8080 --key registry.json',
    options: [
      NUMBER,
      { flags: '--name <name>', description: 'name of the asset' },
      { flags: '--holder <did>', description: 'did:key of the holder' },
      { flags: '--holder-name <name>', description: 'name of the holder' },
      { flags: '--holder-foreign', description: 'the holder is outside the jurisdiction' },
      { flags: '--department <name>', description: 'source department (一数一源)' },
      { flags: '--basis <text>', description: 'legal or administrative basis of the collection' },
      { flags: '--classification <level>', description: 'general | important | core (分类分级)' },
      { flags: '--rights <rights>', description: 'holding, processing-and-use, product-operation (default holding)', repeat: true },
      { flags: '--data <file>', description: 'the data file: its SHA-256 is the fingerprint' },
      { flags: '--fingerprint <sha256-hex>', description: 'SHA-256 of the data (instead of --data)' },
      { flags: '--merkle-root', description: 'the fingerprint is a Merkle root, not the data digest' },
      { flags: '--rows <n>', description: 'number of rows' },
      {
        flags: '--update-frequency <f>',
        description: 'once | realtime | hourly | daily | weekly | monthly | quarterly | yearly | irregular (default irregular)',
      },
      { flags: '--valid-from <time>', description: 'start of validity (default now)' },
      { flags: '--valid-until <time>', description: 'end of validity' },
      { flags: '--data-subject <did>', description: 'did:key of an identified data subject (licences then need its consent)', repeat: true },
      { flags: '--description <text>', description: 'description' },
    ],
    required: {
      registrationNumber: '--number',
      name: '--name',
      holder: '--holder',
      source: '--department and --basis',
      classification: '--classification',
      fingerprint: '--data or --fingerprint',
      rowCount: '--rows',
      validity: '--valid-until',
    },
    build: async (o, ctx) => {
      const subjects = list(o['dataSubject']);
      const until = time(o['validUntil'], '--valid-until');
      const fingerprint = str(o['data']) !== undefined ? await fileDigest(ctx.path(o['data'] as string)) : str(o['fingerprint']);
      return {
        registrationNumber: o['number'],
        name: o['name'],
        holder: party(o['holder'], o['holderName'], o['holderForeign']),
        source:
          str(o['department']) === undefined && str(o['basis']) === undefined ? undefined : { department: o['department'], authorisationBasis: o['basis'] },
        classification: o['classification'],
        rights: list(o['rights']) ?? ['holding'],
        fingerprint,
        fingerprintOf: o['merkleRoot'] === true ? 'merkle-root' : 'data',
        rowCount: int(o['rows'], '--rows'),
        updateFrequency: str(o['updateFrequency']) ?? 'irregular',
        validity: until === undefined ? undefined : { from: time(o['validFrom'], '--valid-from') ?? ctx.now, until },
        subjectIdentified: subjects !== undefined,
        subjects: subjects ?? [],
        description: o['description'],
      };
    },
  },
  {
    words: ['asset', 'review'],
    type: 'asset.reviewed',
    description: 'Record a compliance review (合规审查; reviewer)',
    example: 'dataledger asset review --number DL-2026-0001 --opinion "Lawful basis verified" --url http://127.0.0.1:8080 --key reviewer.json',
    options: [
      NUMBER,
      { flags: '--outcome <outcome>', description: 'approved | rejected (default approved)' },
      { flags: '--opinion <text>', description: 'the review opinion' },
      { flags: '--report <file>', description: 'the review report: its SHA-256 is recorded' },
    ],
    required: { registrationNumber: '--number', opinion: '--opinion' },
    build: async (o, ctx) => ({
      registrationNumber: o['number'],
      outcome: str(o['outcome']) ?? 'approved',
      opinion: o['opinion'],
      reportHash: await optionalDigest(o['report'], ctx),
    }),
  },
  {
    words: ['asset', 'value'],
    type: 'asset.valued',
    description: 'Record a valuation (评估; appraiser). Money is a decimal string.',
    example: 'dataledger asset value --number DL-2026-0001 --amount 1250000.00 --currency CNY --method income --url http://127.0.0.1:8080 --key appraiser.json',
    options: [
      NUMBER,
      { flags: '--amount <decimal>', description: 'the value, a decimal (e.g. 1250000.00)' },
      { flags: '--currency <code>', description: 'ISO 4217 currency (default CNY)' },
      { flags: '--method <method>', description: 'cost | income | market | other (default market)' },
      { flags: '--report <file>', description: 'the valuation report: its SHA-256 is recorded' },
    ],
    required: { registrationNumber: '--number', valuation: '--amount' },
    build: async (o, ctx) => ({
      registrationNumber: o['number'],
      valuation:
        str(o['amount']) === undefined ? undefined : { amount: o['amount'], currency: str(o['currency']) ?? 'CNY', method: str(o['method']) ?? 'market' },
      reportHash: await optionalDigest(o['report'], ctx),
    }),
  },
  {
    words: ['asset', 'transfer'],
    type: 'asset.transferred',
    description: "Transfer an asset to another party (流通; the asset's current holder)",
    example: 'dataledger asset transfer --number DL-2026-0001 --to did:key:z6Mk… --price 300000 --currency CNY --url http://127.0.0.1:8080 --key holder.json',
    options: [
      NUMBER,
      { flags: '--to <did>', description: 'did:key of the new holder' },
      { flags: '--to-name <name>', description: 'name of the new holder' },
      { flags: '--to-foreign', description: 'the new holder is outside the jurisdiction (needs crossborder approval for important data)' },
      { flags: '--price <decimal>', description: 'price, a decimal' },
      { flags: '--currency <code>', description: 'ISO 4217 currency of the price (default CNY)' },
      { flags: '--contract <file>', description: 'the contract: its SHA-256 is recorded' },
    ],
    required: { registrationNumber: '--number', to: '--to' },
    build: async (o, ctx) => ({
      registrationNumber: o['number'],
      to: party(o['to'], o['toName'], o['toForeign']),
      price: money(o['price'], o['currency']),
      contractHash: await optionalDigest(o['contract'], ctx),
    }),
  },
  {
    words: ['asset', 'change'],
    type: 'asset.changed',
    description: 'Change the registered details of an asset (变更; registry)',
    example: 'dataledger asset change --number DL-2026-0001 --rows 60000 --data counts-2027.csv --url http://127.0.0.1:8080 --key registry.json',
    options: [
      NUMBER,
      { flags: '--name <name>', description: 'new name' },
      { flags: '--classification <level>', description: 'general | important | core' },
      { flags: '--data <file>', description: 'the new data file: its SHA-256 is the new fingerprint' },
      { flags: '--rows <n>', description: 'new number of rows' },
      { flags: '--update-frequency <f>', description: 'new update frequency' },
      { flags: '--description <text>', description: 'new description' },
    ],
    required: { registrationNumber: '--number', changes: '--name, --classification, --data, --rows, --update-frequency or --description' },
    build: async (o, ctx) => {
      const changes: Payload = {
        name: o['name'],
        classification: o['classification'],
        fingerprint: await optionalDigest(o['data'], ctx),
        rowCount: int(o['rows'], '--rows'),
        updateFrequency: o['updateFrequency'],
        description: o['description'],
      };
      for (const k of Object.keys(changes)) if (changes[k] === undefined) delete changes[k];
      return { registrationNumber: o['number'], changes: Object.keys(changes).length === 0 ? undefined : changes };
    },
  },
  supervisionVerb('freeze', 'asset.frozen', 'Freeze'),
  supervisionVerb('unfreeze', 'asset.unfrozen', 'Unfreeze'),
  supervisionVerb('cancel', 'asset.cancelled', 'Cancel (revokes its certificates)'),
  {
    words: ['asset', 'approve-crossborder'],
    type: 'crossborder.approved',
    description: 'Approve an asset going to one foreign party (数据出境; regulator)',
    example:
      'dataledger asset approve-crossborder --number DL-2026-0001 --party did:key:z6Mk… --purpose "joint research" --url http://127.0.0.1:8080 --key regulator.json',
    options: [
      NUMBER,
      { flags: '--party <did>', description: 'did:key of the foreign party' },
      { flags: '--purpose <text>', description: 'purpose' },
      { flags: '--until <time>', description: 'end of the approval' },
    ],
    required: { registrationNumber: '--number', party: '--party', purpose: '--purpose' },
    build: (o) => ({ registrationNumber: o['number'], party: o['party'], purpose: o['purpose'], until: time(o['until'], '--until') }),
  },
  {
    words: ['licence', 'grant'],
    type: 'licence.granted',
    description: "Grant a licence of use (授权使用; the asset's holder): licensee, purpose, scope, term",
    example:
      'dataledger licence grant --number DL-2026-0001 --licensee did:key:z6Mk… --purpose "traffic planning" \\\n' +
      '    --scope read,aggregate --until 2027-06-30 --url http://127.0.0.1:8080 --key holder.json',
    options: [
      { flags: '--id <licence-id>', description: 'licence id (default a new urn:uuid)' },
      NUMBER,
      { flags: '--licensee <did>', description: 'did:key of the licensee' },
      { flags: '--licensee-name <name>', description: 'name of the licensee' },
      { flags: '--licensee-foreign', description: 'the licensee is outside the jurisdiction' },
      { flags: '--purpose <text>', description: 'purpose of use' },
      { flags: '--scope <items>', description: 'what the licence covers (comma-separated or repeated)', repeat: true },
      { flags: '--from <time>', description: 'start of the term (default now)' },
      { flags: '--until <time>', description: 'end of the term' },
      { flags: '--sublicensable', description: 'the licensee may sub-license' },
      { flags: '--parent <licence-id>', description: 'the licence this sub-licence derives from' },
      { flags: '--fee <decimal>', description: 'fee, a decimal' },
      { flags: '--currency <code>', description: 'ISO 4217 currency of the fee (default CNY)' },
    ],
    required: { licenceId: '--id', registrationNumber: '--number', licensee: '--licensee', purpose: '--purpose', scope: '--scope', term: '--until' },
    build: (o, ctx) => {
      const until = time(o['until'], '--until');
      return {
        licenceId: str(o['id']) ?? `urn:uuid:${randomUUID()}`,
        registrationNumber: o['number'],
        licensee: party(o['licensee'], o['licenseeName'], o['licenseeForeign']),
        purpose: o['purpose'],
        scope: list(o['scope']),
        term: until === undefined ? undefined : { from: time(o['from'], '--from') ?? ctx.now, until },
        sublicensable: o['sublicensable'] === true,
        parentLicenceId: o['parent'],
        fee: money(o['fee'], o['currency']),
      };
    },
  },
  {
    words: ['licence', 'revoke'],
    type: 'licence.revoked',
    description: 'Revoke a licence (holder or regulator)',
    example: 'dataledger licence revoke --id urn:uuid:… --reason "contract ended" --url http://127.0.0.1:8080 --key holder.json',
    options: [{ flags: '--id <licence-id>', description: 'the licence id' }, REASON],
    required: { licenceId: '--id', reason: '--reason' },
    build: (o) => ({ licenceId: o['id'], reason: o['reason'] }),
  },
  {
    words: ['consent', 'grant'],
    type: 'consent.granted',
    description: 'Consent to a licensee using data about you (signed by the data subject)',
    example:
      'dataledger consent grant --number DL-2026-0001 --licensee did:key:z6Mk… --purpose "credit scoring" --url http://127.0.0.1:8080 --key subject.json',
    options: [
      { flags: '--id <consent-id>', description: 'consent id (default a new urn:uuid)' },
      NUMBER,
      { flags: '--licensee <did>', description: 'did:key of the licensee' },
      { flags: '--purpose <text>', description: 'purpose consented to' },
      { flags: '--until <time>', description: 'end of the consent' },
      { flags: '--person-name <name>', description: "the data subject's name as the consent form records it (confidential: logged as a digest)" },
      { flags: '--person-id-number <id>', description: 'its resident identity number (with --person-name)' },
      { flags: '--person-phone <phone>', description: 'its mobile phone number (with --person-name)' },
    ],
    required: { consentId: '--id', registrationNumber: '--number', licensee: '--licensee', purpose: '--purpose' },
    build: (o) => ({
      consentId: str(o['id']) ?? `urn:uuid:${randomUUID()}`,
      registrationNumber: o['number'],
      licensee: o['licensee'],
      purpose: o['purpose'],
      until: time(o['until'], '--until'),
      person:
        str(o['personName']) === undefined
          ? undefined
          : {
              name: o['personName'],
              ...(str(o['personIdNumber']) === undefined ? {} : { idNumber: o['personIdNumber'] }),
              ...(str(o['personPhone']) === undefined ? {} : { phone: o['personPhone'] }),
            },
    }),
  },
  {
    words: ['consent', 'revoke'],
    type: 'consent.revoked',
    description: 'Withdraw a consent (the data subject); licences that depend on it end',
    example: 'dataledger consent revoke --id urn:uuid:… --url http://127.0.0.1:8080 --key subject.json',
    options: [{ flags: '--id <consent-id>', description: 'the consent id' }],
    required: { consentId: '--id' },
    build: (o) => ({ consentId: o['id'] }),
  },
  statusVerb('revoke', 'certificate.revoked', 'Revoke'),
  statusVerb('suspend', 'certificate.suspended', 'Suspend'),
  statusVerb('reinstate', 'certificate.reinstated', 'Reinstate'),
];
