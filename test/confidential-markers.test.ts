/**
 * Confidential members never leave the service in clear (DESIGN.md "Disclosure policy"; the
 * disclosure form is RFC 9901 §4.2). A unique marker is planted in every confidential member of
 * every record type ({@link CONFIDENTIAL_MEMBERS}): names, descriptions and review opinions as
 * `MARK-…` text, money as a unique decimal string, data subjects as the did:key of fresh keys
 * that never act, a consent's person as a unique name, id number and phone. They are written
 * through the client library and the CLI to a real `dataledger serve` on 127.0.0.1 (a LevelDB
 * data directory, JSON logs at level trace captured from its output), and some writes are
 * refused on purpose with markers in them (registry rules, schema, and each disclosure check).
 *
 * Then every public output (every GET route the OpenAPI document lists, expanded over every
 * id, index and tile; the certificate verification route), every answer the writers got,
 * every unauthenticated, wrongly-signed and unentitled read of the signed routes, the signed
 * reads of a licensee and of a new holder, and the server's whole log are searched for every
 * marker (less, in an answer to a writer or party, those the policy lets it see, DESIGN.md
 * reads: its own records, its licence, its asset's records): in clear, and inside every base64,
 * base64url and hex token (a disclosure is base64url of `[salt, name, value]`). No marker may
 * appear. A regulator's signed read of the disclosures gives every accepted marker back, and
 * none of the refused ones nor those of a disclosure its data subject erased: the search finds
 * what a disclosure hides, so it can fail.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, fromBase64, isDataLedgerError, parseJson, toBase64Url, utf8Encode, type JsonValue } from '@dataledger/core';
import { buildChain, entryBundlePath, tilePath, tileWidthAt } from '@dataledger/provenance';
import { CONFIDENTIAL_MEMBERS, concealPayload, makeDisclosure, openDisclosure, type RecordType } from '@dataledger/certificates';
import { DataLedgerClient, formatKeyFile, parseKeyFile, ROUTE_OF_RECORD_TYPE, signRequest } from '@dataledger/service';
import { runBin, startBin, tempDir, waitForExit, waitForOutput } from '../packages/cli/test/helpers.ts';
import { assetPayload, FIXTURE_DATES, licencePayload } from './support/fixtures.ts';
import { newActor, newRegistrationNumber, ROLE_NAMES, type Actor, type RoleName } from './support/http-ledger.ts';

// ---------------------------------------------------------------------------------------
// Markers

interface Marker {
  /** `type member` where it was planted. */
  readonly label: string;
  readonly value: string;
  /** The did:key of the writer of the record it is in (it knows the value: its own answers may hold it). */
  readonly author: string | null;
  /** Others the policy lets see it (disclosure-spec, signed reads: the licensee its licence, the current holder its asset's records). */
  readonly entitled: readonly string[];
  /** `erased`: accepted, then its disclosure erased from the vault (`disclosure.erased`). */
  outcome: 'pending' | 'accepted' | 'refused' | 'erased';
}
const markers: Marker[] = [];
/** The writer of the payload being built and who else may read it (set by {@link by}). */
let author: string | null = null;
let entitled: readonly string[] = [];

function plant(label: string, value: string): string {
  markers.push({ label, value, author, entitled, outcome: 'pending' });
  return value;
}
/** Every marker planted since the last settle was in a write that was accepted / refused. */
function settle(outcome: 'accepted' | 'refused'): void {
  for (const m of markers) if (m.outcome === 'pending') m.outcome = outcome;
}
const digits = (n: number): string => Array.from({ length: n }, () => String(randomInt(10))).join('');
/** Text no output would contain by chance. */
const text = (label: string): string => plant(label, `MARK-${label.replace(/[^A-Za-z0-9]+/g, '-')}-${randomBytes(6).toString('hex')}`);
/** A decimal string (DESIGN.md: money is a decimal string): 10 integer and 6 fraction digits, no trailing zero. */
const amount = (label: string): string => plant(label, `${randomInt(1, 10)}${digits(9)}.${digits(5)}${randomInt(1, 10)}`);
/** A data subject that never acts, so its did:key appears only where it was planted. */
const subject = (label: string): string => plant(label, newActor().did);
const money = (label: string): { amount: string; currency: string } => ({ amount: amount(label), currency: 'CNY' });

// ---------------------------------------------------------------------------------------
// The search: in clear, and inside every base64 / base64url / hex token (twice nested)

const B64_TOKEN = /[A-Za-z0-9+/_-]{16,}/g;
const HEX_TOKEN = /(?:[0-9a-fA-F]{2}){12,}/g;

function decodedTexts(text: string, depth: number): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(B64_TOKEN)) {
    // A token glued to its neighbours may start off the 4-character grid: try every offset.
    for (let off = 0; off < 4 && m[0].length - off >= 16; off++) {
      // Node's base64 decoder reads both alphabets (RFC 4648 §4 and §5).
      const decoded = Buffer.from(m[0].slice(off), 'base64').toString('latin1');
      out.push(decoded);
      if (depth > 1) out.push(...decodedTexts(decoded, depth - 1));
    }
  }
  for (const m of text.matchAll(HEX_TOKEN)) out.push(Buffer.from(m[0], 'hex').toString('latin1'));
  return out;
}

/**
 * The markers found in `text` (case-insensitive), in clear or decoded when `decode`; those
 * written by `reader` itself are not looked for (the writer of a record knows its values).
 */
function findMarkers(text: string, options: { decode: boolean; reader?: string | null } = { decode: true }): Marker[] {
  const hay = (options.decode ? [text, ...decodedTexts(text, 2)] : [text]).join('\n').toLowerCase();
  const reader = options.reader ?? null;
  return markers.filter((m) => (reader === null || (m.author !== reader && !m.entitled.includes(reader))) && hay.includes(m.value.toLowerCase()));
}

/** Everything that must hold no marker: what it is, who read it, and its bytes. */
interface Output {
  readonly where: string;
  readonly reader: string | null;
  readonly text: string;
}
const outputs: Output[] = [];
const keep = (where: string, bytes: ArrayBuffer | string, reader: string | null = null): void => {
  outputs.push({ where, reader, text: typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1') });
};

/** A fetch that keeps every answer to `reader` (the writers' clients: their answers are searched too). */
const recordingFetch =
  (reader: string | null): typeof fetch =>
  async (input, init) => {
    const res = await fetch(input, init);
    keep(`${init?.method ?? 'GET'} ${String(input)} → ${res.status} (answer to ${reader ?? 'an anonymous reader'})`, await res.clone().arrayBuffer(), reader);
    return res;
  };

// ---------------------------------------------------------------------------------------
// The server: `dataledger serve` in its own process, logs captured

let dir: string;
let cleanup: () => Promise<void>;
let server: ChildProcess;
let serverOutput: () => string;
let base: string;
let root: Actor;
let roles: Record<RoleName, Actor>;

const client = (actor?: Actor): DataLedgerClient =>
  new DataLedgerClient({ baseUrl: base, fetch: recordingFetch(actor?.did ?? null), ...(actor === undefined ? {} : { signer: actor }) });

/** Builds and writes as `actor`: the markers planted in `write` are its own, and `also` may read them. */
async function by<T>(actor: Actor, write: (c: DataLedgerClient) => Promise<T>, also: readonly Actor[] = []): Promise<T> {
  author = actor.did;
  entitled = also.map((a) => a.did);
  try {
    return await write(client(actor));
  } finally {
    author = null;
    entitled = [];
  }
}

/** The answer of a refused call: its code, and the error (message, details, problem) searched too. */
async function refusal(what: string, p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (!isDataLedgerError(err)) throw err;
    keep(`${what}: the error thrown to the writer`, `${err.message}\n${JSON.stringify(err.details ?? {})}`);
    return err.code;
  }
  return 'OK';
}

/** `dataledger …` against the server, as `actor` (its key file in the test's directory). */
async function cli(args: string[], actor: Actor): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const keyFile = join(dir, `${actor.did.slice(-12)}.json`);
  await writeFile(keyFile, formatKeyFile(actor.secretKey), { mode: 0o600 });
  return runBin([...args, '--key', keyFile], { cwd: dir, env: { DATALEDGER_URL: base } });
}

/**
 * A record signed by `signer` on the current head and posted as is, in the envelope of the
 * wire (`{ records, disclosures }`) or alone: the refusals the client library never provokes.
 */
async function rawWrite(type: RecordType, signer: Actor, payload: Record<string, unknown>, disclosures?: string[]): Promise<{ status: number; code: string }> {
  const head = await client().head();
  const [record] = buildChain({ size: head.size, lastLeafHash: head.lastLeafHash === '' ? null : fromBase64(head.lastLeafHash), lastTime: head.lastTime }, [
    { type, payload: payload as { [k: string]: JsonValue }, signer },
  ]);
  const res = await fetch(`${base}${ROUTE_OF_RECORD_TYPE[type] as string}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
    body: JSON.stringify(disclosures === undefined ? record : { records: [record], disclosures }),
  });
  const body = await res.text();
  keep(`POST ${type} (refused write) → ${res.status}`, body);
  let code = '';
  try {
    code = String((parseJson(body) as { code?: unknown }).code);
  } catch {
    code = `HTTP ${res.status} without a problem document`;
  }
  return { status: res.status, code };
}

/** A signed read (RFC 9421) by `signer`; `claim` replaces the keyid with another actor's did:key (a forged signature). */
async function signedGet(path: string, signer: Actor, claim?: Actor): Promise<Response> {
  const url = `${base}${path}`;
  const headers = await signRequest({ method: 'GET', url, headers: { host: new URL(url).host, accept: 'application/json, text/plain' } }, signer);
  delete headers['host'];
  if (claim !== undefined) {
    const name = Object.keys(headers).find((h) => h.toLowerCase() === 'signature-input') as string;
    const input = headers[name] as string;
    headers[name] = input.replace(signer.did, claim.did);
    expect(headers[name]).not.toBe(input);
  }
  return fetch(url, { headers });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('dataledger-markers-'));
  server = startBin(['serve', '--data', './data', '--port', '0', '--log-level', 'trace'], { cwd: dir });
  const started = await waitForOutput(server, /listening on (http:\/\/[^\s"]+)/);
  base = started.match[1] as string;
  serverOutput = started.output;
  const k = parseKeyFile(await readFile(join(dir, 'data', 'root.key'), 'utf8'));
  root = { secretKey: k.secretKey, publicKey: k.publicKey, did: didKeyFromPublicKey(k.publicKey) };
  roles = {} as Record<RoleName, Actor>;
  for (const r of ROLE_NAMES) roles[r] = newActor();
  await client(root).submitBatch(ROLE_NAMES.map((role) => ({ type: 'role.granted', payload: { subject: roles[role].did, role } })));
}, 60_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitForExit(server).catch(() => server.kill('SIGKILL'));
  }
  await cleanup?.();
});

// ---------------------------------------------------------------------------------------
// The writes

/** Ids of what was written (public: the search expands the routes over them). */
const rns: string[] = [];
const licenceIds: string[] = [];
const certificateIds: string[] = [];
let certificate: unknown;
/** The licensee of two licences (no role), and the holder the second asset is transferred to. */
const bank = newActor();
const newHolder = newActor();

describe('writes with a marker in every confidential member', () => {
  let a1: string;
  let a2: string;
  let a3: string;
  const person = newActor();
  const consentPurpose = 'credit-assessment';

  it('accepted through the client library and the CLI', async () => {
    const { registry, reviewer, appraiser, holder } = roles;
    await client(root).submit('role.granted', { subject: newHolder.did, role: 'holder' });

    // A1: identified data (subjects that never act), reviewed, valued, changed, certified.
    a1 = newRegistrationNumber('MK');
    const registered = (rn: string, extra: Record<string, unknown>) =>
      assetPayload(rn, holder, {
        holder: { id: holder.did, foreign: false, name: text('asset.registered holder.name') },
        description: text('asset.registered description'),
        valuation: { ...money('asset.registered valuation'), method: 'cost' },
        ...extra,
      });
    const review = (rn: string) =>
      by(reviewer, (c) => c.submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: text('asset.reviewed opinion') }));
    await by(registry, (c) =>
      c.submit(
        'asset.registered',
        registered(a1, { subjectIdentified: true, subjects: [subject('asset.registered subjects'), subject('asset.registered subjects')] }) as never,
      ),
    );
    await review(a1);
    await by(appraiser, (c) => c.submit('asset.valued', { registrationNumber: a1, valuation: { ...money('asset.valued valuation'), method: 'income' } }));
    await by(registry, (c) =>
      c.submit('asset.changed', {
        registrationNumber: a1,
        changes: { description: text('asset.changed changes.description'), subjects: [subject('asset.changed changes.subjects')] },
      }),
    );
    // A material change needs a new compliance review (DESIGN.md), so the certificate comes after it.
    await review(a1);
    const issued = await by(registry, (c) => c.issueCertificate({ registrationNumber: a1, validFrom: FIXTURE_DATES.from, validUntil: '2030-01-01T00:00:00Z' }));
    certificate = issued.certificate;
    certificateIds.push(issued.certificate.id as string);

    // A2: not identified; reviewed and valued through the CLI; licensed (library and CLI).
    a2 = newRegistrationNumber('MK');
    // Its records' disclosures are also the new holder's once it holds it (it is transferred last).
    await by(registry, (c) => c.submit('asset.registered', registered(a2, { subjectIdentified: false, subjects: [] }) as never), [newHolder]);
    const reviewed = await by(reviewer, () => cli(['asset', 'review', '--number', a2, '--opinion', text('asset.reviewed opinion')], reviewer), [newHolder]);
    expect(reviewed.status, reviewed.stderr).toBe(0);
    const valued = await by(
      appraiser,
      () => cli(['asset', 'value', '--number', a2, '--amount', amount('asset.valued valuation'), '--currency', 'CNY', '--method', 'market'], appraiser),
      [newHolder],
    );
    expect(valued.status, valued.stderr).toBe(0);
    const l1 = `LIC-${randomBytes(8).toString('hex')}`;
    await by(
      holder,
      (c) =>
        c.submit(
          'licence.granted',
          licencePayload(l1, a2, bank, {
            licensee: { id: bank.did, foreign: false, name: text('licence.granted licensee.name') },
            fee: money('licence.granted fee'),
          }) as never,
        ),
      [bank, newHolder],
    );
    const l2 = `LIC-${randomBytes(8).toString('hex')}`;
    const l2File = join(dir, 'licence.json');
    const licensee2 = newActor();
    const granted = await by(holder, async () => {
      const payload = licencePayload(l2, a2, licensee2, {
        licensee: { id: licensee2.did, foreign: false, name: text('licence.granted licensee.name') },
        fee: money('licence.granted fee'),
      });
      await writeFile(l2File, JSON.stringify(payload));
      return cli(['submit', 'licence.granted', '--payload', l2File], holder);
    }, [licensee2, newHolder]);
    expect(granted.status, granted.stderr).toBe(0);
    licenceIds.push(l1, l2);

    // A3: its one data subject consents (its did:key is the consent record's actor, so public).
    a3 = newRegistrationNumber('MK');
    await by(registry, (c) => c.submit('asset.registered', registered(a3, { subjectIdentified: true, subjects: [person.did] }) as never));
    await review(a3);
    const consent = await by(person, (c) =>
      c.submit('consent.granted', {
        consentId: `CON-${randomBytes(8).toString('hex')}`,
        registrationNumber: a3,
        licensee: bank.did,
        purpose: consentPurpose,
        person: {
          name: text('consent.granted person.name'),
          idNumber: plant('consent.granted person.idNumber', `${digits(17)}${randomInt(10)}`),
          phone: plant('consent.granted person.phone', `1${randomInt(3, 10)}${digits(9)}`),
        },
      }),
    );
    const l3 = `LIC-${randomBytes(8).toString('hex')}`;
    await by(
      holder,
      (c) =>
        c.submit(
          'licence.granted',
          licencePayload(l3, a3, bank, {
            purpose: consentPurpose,
            licensee: { id: bank.did, foreign: false, name: text('licence.granted licensee.name') },
            fee: money('licence.granted fee'),
          }) as never,
        ),
      [bank],
    );
    licenceIds.push(l3);
    settle('accepted');
    rns.push(a1, a2, a3);

    // The data subject erases its consent's `person` (disclosure-spec: the data subject, for the
    // disclosures of its own consent): the vault forgets it, the log keeps the digest.
    expect(consent.disclosures).toHaveLength(1);
    const erased = openDisclosure(consent.disclosures[0] as string);
    expect(erased.name).toBe('person');
    await client(person).erase({
      index: consent.index,
      erased: [{ digest: erased.digest, member: 'person' }],
      reason: 'consent withdrawn by the data subject',
    });
    for (const m of markers) if (m.label.startsWith('consent.granted person.')) m.outcome = 'erased';
  });

  it('refused by a rule, the schema or a disclosure check: the markers they carried are refused too', async () => {
    const { registry, reviewer, holder } = roles;
    const stranger = newActor();
    // Registry rules (DESIGN.md): a duplicate registration, a licence outliving the asset, a
    // consent by someone who is no data subject, a transfer by someone who is no holder.
    const dup = assetPayload(a1, holder, {
      holder: { id: holder.did, foreign: false, name: text('refused asset.registered holder.name') },
      description: text('refused asset.registered description'),
      valuation: { ...money('refused asset.registered valuation'), method: 'cost' },
      subjectIdentified: true,
      subjects: [subject('refused asset.registered subjects')],
    });
    expect(await refusal('duplicate registration', client(registry).submit('asset.registered', dup as never))).toBe('REGISTRY_REGISTRATION_DUPLICATE');
    const outliving = licencePayload(`LIC-${randomBytes(8).toString('hex')}`, a2, bank, {
      term: { from: FIXTURE_DATES.from, until: '2035-01-01T00:00:00Z' },
      licensee: { id: bank.did, foreign: false, name: text('refused licence.granted licensee.name') },
      fee: money('refused licence.granted fee'),
    });
    expect(await refusal('licence outliving its asset', client(holder).submit('licence.granted', outliving as never))).toBe('REGISTRY_TERM_INVALID');
    const notSubject = {
      consentId: `CON-${randomBytes(8).toString('hex')}`,
      registrationNumber: a3,
      licensee: bank.did,
      purpose: consentPurpose,
      person: {
        name: text('refused consent.granted person.name'),
        idNumber: plant('refused consent.granted person.idNumber', `${digits(17)}X`),
        phone: plant('refused consent.granted person.phone', `+861${randomInt(3, 10)}${digits(9)}`),
      },
    };
    expect(await refusal('consent by no data subject', client(stranger).submit('consent.granted', notSubject))).toBe('REGISTRY_NOT_SUBJECT');
    const notHolder = {
      registrationNumber: a2,
      to: { id: stranger.did, foreign: false, name: text('refused asset.transferred to.name') },
      price: money('refused asset.transferred price'),
    };
    expect(await refusal('transfer by no holder', client(newHolder).submit('asset.transferred', notHolder))).toBe('REGISTRY_NOT_HOLDER');
    // Identified data licensed without its subjects' consent: the refusal must not name them.
    const noConsent = licencePayload(`LIC-${randomBytes(8).toString('hex')}`, a1, bank, {
      licensee: { id: bank.did, foreign: false, name: text('refused licence.granted licensee.name') },
      fee: money('refused licence.granted fee'),
    });
    expect(await refusal('licence without the consent of the data subjects', client(holder).submit('licence.granted', noConsent as never))).toBe(
      'REGISTRY_CONSENT_MISSING',
    );
    // The schema, checked on the revealed values: too long an opinion, an id number that is none.
    const long = `${text('refused asset.reviewed opinion')} ${'x'.repeat(2000)}`;
    expect(
      await refusal('opinion over 2,000 characters', client(reviewer).submit('asset.reviewed', { registrationNumber: a2, outcome: 'approved', opinion: long })),
    ).toBe('REGISTRY_PAYLOAD_INVALID');
    const badId = {
      ...notSubject,
      consentId: `CON-${randomBytes(8).toString('hex')}`,
      person: { name: text('refused consent.granted person.name'), idNumber: text('refused consent.granted person.idNumber') },
    };
    expect(await refusal('id number that is none', client(person).submit('consent.granted', badId))).toBe('REGISTRY_PAYLOAD_INVALID');

    // The disclosure checks at the edge (disclosure-spec "The wire"), on records built by hand.
    const inClear = await rawWrite('asset.reviewed', reviewer, {
      registrationNumber: a2,
      outcome: 'approved',
      opinion: text('refused asset.reviewed opinion'),
    });
    expect(inClear.code).toBe('DISCLOSURE_NOT_CONCEALED');
    const concealed = concealPayload('asset.reviewed', { registrationNumber: a2, outcome: 'approved', opinion: text('refused asset.reviewed opinion') });
    const foreign = makeDisclosure('opinion', text('refused foreign disclosure'));
    expect((await rawWrite('asset.reviewed', reviewer, concealed.payload, [...concealed.disclosures, foreign.disclosure])).code).toBe('DISCLOSURE_FOREIGN');
    const misplaced = makeDisclosure('opinion', text('refused misplaced disclosure'));
    expect((await rawWrite('asset.valued', roles.appraiser, { registrationNumber: a2, _sd: [misplaced.digest] }, [misplaced.disclosure])).code).toBe(
      'DISCLOSURE_MISMATCH',
    );
    const again = concealPayload('asset.reviewed', { registrationNumber: a2, outcome: 'approved', opinion: text('refused asset.reviewed opinion') });
    const malformed = toBase64Url(utf8Encode(JSON.stringify([text('refused malformed disclosure')])));
    expect((await rawWrite('asset.reviewed', reviewer, again.payload, [...again.disclosures, malformed])).code).toBe('DISCLOSURE_MALFORMED');
    expect(inClear.status).toBe(400);

    // The CLI, refused: a valuation of an asset that does not exist.
    const unknown = await cli(
      ['asset', 'value', '--number', newRegistrationNumber('NONE'), '--amount', amount('refused asset.valued valuation')],
      roles.appraiser,
    );
    expect(unknown.status).not.toBe(0);
    settle('refused');

    // Last, the transfer (it ends A2's licences; the refusals above needed them).
    await by(
      holder,
      (c) =>
        c.submit('asset.transferred', {
          registrationNumber: a2,
          to: { id: newHolder.did, foreign: false, name: text('asset.transferred to.name') },
          price: money('asset.transferred price'),
        }),
      [newHolder],
    );
    settle('accepted');
    rns.push(newRegistrationNumber('NONE'));
  });

  it('every confidential member of every record type holds an accepted marker', () => {
    const planted = new Set(markers.filter((m) => m.outcome === 'accepted' || m.outcome === 'erased').map((m) => m.label));
    const missing: string[] = [];
    for (const [type, paths] of Object.entries(CONFIDENTIAL_MEMBERS)) {
      for (const path of paths) if (![...planted].some((l) => l === `${type} ${path}` || l.startsWith(`${type} ${path}.`))) missing.push(`${type} ${path}`);
    }
    expect(missing).toEqual([]);
    expect(markers.filter((m) => m.outcome === 'pending')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// The reads

const EXPLORER_DIST = fileURLToPath(new URL('../packages/explorer/dist/', import.meta.url));
const enc = encodeURIComponent;

describe('no marker in any output a reader without the right gets', () => {
  /** Signed routes found (they answer 401 unsigned), with their concrete paths. */
  const signedPaths: string[] = [];

  it('every GET route of the OpenAPI document, over every id, index and tile, and the verification route', async () => {
    const get = async (path: string): Promise<Response> => {
      const res = await fetch(`${base}${path}`, { headers: { accept: 'application/json, text/plain, */*' } });
      keep(`GET ${path} → ${res.status}`, await res.clone().arrayBuffer());
      return res;
    };
    const docText = await (await get('/openapi.json')).text();
    const doc = parseJson(docText) as { paths: Record<string, Record<string, unknown>> };
    const size = (await client().head()).size;
    const indices = Array.from({ length: size }, (_, i) => i);
    const lists = (parseJson(await (await get('/v1/status-lists')).text()) as { lists: { url: string }[] }).lists.map((l) =>
      l.url.slice(l.url.lastIndexOf('/') + 1),
    );
    expect(lists.length).toBeGreaterThan(0);
    const tiles: string[] = [];
    for (let level = 0; tileWidthAt(level, 0, size) > 0; level++) {
      for (let i = 0; tileWidthAt(level, i, size) > 0; i++) {
        const width = tileWidthAt(level, i, size);
        tiles.push(`/tlog/${tilePath({ level, index: i, width })}`);
        if (level === 0) tiles.push(`/tlog/${entryBundlePath(i, width)}`);
      }
    }
    // How each documented route is read: the ids this ledger has (and one it has not). A
    // route missing here fails the test: a new route is searched before it ships.
    const expand: Record<string, () => string[]> = {
      '/v1/assets/{id}': () => rns.map((rn) => `/v1/assets/${enc(rn)}`),
      '/v1/licences/{id}': () => [...licenceIds, 'LIC-NONE'].map((id) => `/v1/licences/${enc(id)}`),
      '/v1/certificates/{id}': () => certificateIds.map((id) => `/v1/certificates/${enc(id)}`),
      '/v1/certificates/{id}/state': () => certificateIds.map((id) => `/v1/certificates/${enc(id)}/state`),
      '/v1/certificates/{id}/role-evidence': () => certificateIds.map((id) => `/v1/certificates/${enc(id)}/role-evidence?treeSize=${size}`),
      '/v1/status-lists/{id}': () => lists.map((id) => `/v1/status-lists/${enc(id)}`),
      '/v1/log/entries': () => [`/v1/log/entries?start=0&end=${size}`],
      '/v1/log/entries/{index}': () => indices.map((i) => `/v1/log/entries/${i}`),
      '/v1/log/proof/inclusion': () => indices.map((i) => `/v1/log/proof/inclusion?index=${i}&treeSize=${size}`),
      '/v1/log/proof/consistency': () => indices.filter((i) => i > 0).map((i) => `/v1/log/proof/consistency?size1=${i}&size2=${size}`),
      '/v1/records/{index}/disclosures': () => indices.map((i) => `/v1/records/${i}/disclosures`),
      '/v1/aggregation/jobs/{id}': () => ['/v1/aggregation/jobs/JOB-NONE'],
      '/v1/aggregation/jobs/{id}/result': () => ['/v1/aggregation/jobs/JOB-NONE/result'],
      // The built explorer (`npm run build:explorer`; without it the route answers 404, searched too).
      '/explorer/{file}': () => (existsSync(EXPLORER_DIST) ? readdirSync(EXPLORER_DIST) : ['app.js']).map((f) => `/explorer/${enc(f)}`),
      '/tlog/tile/{*}': () => tiles,
    };
    const unread: string[] = [];
    let entriesRead = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (ops['get'] === undefined) continue;
      const paths = expand[template]?.() ?? (template.includes('{') ? null : [template]);
      if (paths === null) {
        unread.push(template);
        continue;
      }
      for (const path of paths) {
        if (path.startsWith('/v1/log/entries?')) {
          // Every page: the route answers a bounded page, read on from where it stopped.
          for (let at = 0; at < size; ) {
            const page = parseJson(await (await get(`/v1/log/entries?start=${at}&end=${size}`)).text()) as { entries: unknown[] };
            expect(page.entries.length).toBeGreaterThan(0);
            at += page.entries.length;
            entriesRead = at;
          }
          continue;
        }
        const res = await get(path);
        if (res.status === 401) signedPaths.push(path);
      }
    }
    expect(unread).toEqual([]);
    expect(entriesRead).toBe(size);
    // The bundle and the tiles a monitor reads.
    expect((await get('/v1/log/export')).status).toBe(200);
    expect(tiles.length).toBeGreaterThanOrEqual(2);
    // The certificate verification route answers anyone.
    const verify = await fetch(`${base}/v1/certificates/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(certificate),
    });
    keep(`POST /v1/certificates/verify → ${verify.status}`, await verify.text());
    expect(verify.status).toBe(200);
    // The reads that must be signed were found by their answer (401 unsigned).
    for (const p of ['/v1/assets/', '/v1/licences/', '/v1/records/', '/v1/supervision/disclosures'])
      expect(signedPaths.some((s) => s.startsWith(p))).toBe(true);
  });

  it('the signed routes read by a stranger, by a forged signature and by a role holder entitled to digests only', async () => {
    const stranger = newActor();
    for (const path of signedPaths) {
      const asStranger = await signedGet(path, stranger);
      keep(`GET ${path} signed by a stranger → ${asStranger.status}`, await asStranger.arrayBuffer());
      const forged = await signedGet(path, stranger, roles.regulator);
      keep(`GET ${path} signed by a stranger claiming the regulator's key → ${forged.status}`, await forged.arrayBuffer());
      expect(forged.status).toBe(401);
      // An exchange holds a role but is no party to any of these records: digests only.
      const asExchange = await signedGet(path, roles.exchange);
      keep(`GET ${path} signed by an exchange → ${asExchange.status}`, await asExchange.arrayBuffer());
    }
  });

  it('a licensee and a new holder read every record, asset and licence, and get their own disclosures', async () => {
    const size = (await client().head()).size;
    const paths = [
      ...Array.from({ length: size }, (_, i) => `/v1/records/${i}/disclosures`),
      ...rns.map((rn) => `/v1/assets/${enc(rn)}`),
      ...licenceIds.map((id) => `/v1/licences/${enc(id)}`),
    ];
    const answers = new Map<string, string>();
    for (const [name, reader] of [
      ['licensee', bank],
      ['new holder', newHolder],
    ] as const) {
      for (const path of paths) {
        const res = await signedGet(path, reader);
        const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
        // Searched with the others below, less what the policy lets this reader see.
        keep(`GET ${path} signed by the ${name} → ${res.status}`, body, reader.did);
        answers.set(`${reader.did} ${path}`, body);
      }
    }
    // What each may see, it gets (so the search below looks at answers that carry values).
    const seen = (reader: Actor, path: string): string[] => findMarkers(answers.get(`${reader.did} ${path}`) ?? '').map((m) => m.label);
    expect(seen(bank, `/v1/licences/${enc(licenceIds[0] as string)}`)).toContain('licence.granted licensee.name');
    expect(seen(newHolder, `/v1/assets/${enc(rns[1] as string)}`)).toContain('asset.transferred to.name');
  });

  it('finds no marker in any of them (in clear or in any base64, base64url or hex token)', () => {
    expect(outputs.length).toBeGreaterThan(100);
    const leaks = outputs.flatMap((o) => findMarkers(o.text, { decode: true, reader: o.reader }).map((m) => `${o.where}: ${m.label} (${m.outcome})`));
    expect(leaks).toEqual([]);
  });
});

describe('a regulator gets every accepted marker back, and no refused or erased one', () => {
  it('the disclosures of the whole log (signed read) hide each accepted marker in base64url', async () => {
    const res = await signedGet('/v1/supervision/disclosures', roles.regulator);
    expect(res.status).toBe(200);
    const file = await res.text();
    // In clear, nothing: the file is disclosures, base64url.
    expect(findMarkers(file, { decode: false })).toEqual([]);
    // Decoded, every accepted marker: the search above would have found any of them.
    const found = new Set(findMarkers(file));
    expect(markers.filter((m) => m.outcome === 'accepted' && !found.has(m)).map((m) => m.label)).toEqual([]);
    expect(markers.filter((m) => m.outcome !== 'accepted' && found.has(m)).map((m) => `${m.label} (${m.outcome})`)).toEqual([]);
    expect(markers.filter((m) => m.outcome === 'erased').length).toBe(3);
  });

  it('an asset read by the regulator carries its current values and their disclosures', async () => {
    const res = await signedGet(`/v1/assets/${enc(rns[0] as string)}`, roles.regulator);
    expect(res.status).toBe(200);
    const body = await res.text();
    const inClear = new Set(findMarkers(body, { decode: false }).map((m) => m.label));
    expect(inClear).toContain('asset.registered holder.name');
    expect(inClear).toContain('asset.changed changes.description');
  });
});

describe("the server's log", () => {
  it('holds no marker (the process is stopped first, so every line is written)', async () => {
    server.kill('SIGTERM');
    expect((await waitForExit(server)).code).toBe(0);
    const log = serverOutput();
    // The capture works: one JSON line per request at least, the refusals among them.
    const lines = log.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(outputs.length / 2);
    expect(log).toMatch(/"statusCode":4\d\d/);
    expect(findMarkers(log).map((m) => `${m.label} (${m.outcome})`)).toEqual([]);
  });
});
