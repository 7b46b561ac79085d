/**
 * Confidential members over HTTP (DESIGN.md "Confidential payloads"), on a real LevelDB data
 * directory served on 127.0.0.1: the log carries digests only, the write path refuses a
 * member in clear and a digest without its disclosure (nothing appended), signed reads hand
 * the values to the readers the policy names and to nobody else, an erasure removes the value
 * from the vault (and from the vault's files) while the log still verifies, and a restart
 * rebuilds the same registry from the log and the vault.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditBundle,
  concealPayload,
  disclosureDigest,
  disclosurePolicy,
  emptyRegistryState,
  makeDisclosure,
  openDisclosure,
  payloadDigests,
} from '@dataledger/certificates';
import { applyLogged, buildApp, DataLedgerClient, openService } from '@dataledger/service';
import { buildRecord, openCheckpoint, openLevelVault, recordLeafHash, verifyInclusion, type LedgerRecord } from '@dataledger/provenance';
import { fromBase64 } from '@dataledger/core';
import { codeOf } from './support/codes.ts';
import {
  assetPayload,
  grantRoles,
  licencePayload,
  newActor,
  newRegistrationNumber,
  startServer,
  tempDataDir,
  type Actor,
  type RoleName,
  type Server,
} from './support/http-ledger.ts';

// Values that must never appear on a public route (or in the vault's files once erased).
const HOLDER_NAME = 'Holder-Name-Q7ZK2';
const DESCRIPTION = 'Description-W4XJ9 of the dataset';
const VALUATION = '987654.21';
const LICENSEE_NAME = 'Licensee-Name-H3VB8';
const PERSON_NAME = 'Person-Name-M5TC1';

let dir: string;
let s: Server;
let roles: Record<RoleName, Actor>;
let rn: string;
let registeredIndex: number;
let registeredDisclosures: string[];

function confidentialAsset(id: string, holder: Actor, extra: Record<string, unknown> = {}): ReturnType<typeof assetPayload> {
  return assetPayload(id, holder, {
    holder: { id: holder.did, foreign: false, name: HOLDER_NAME },
    description: DESCRIPTION,
    valuation: { amount: VALUATION, currency: 'CNY', method: 'cost' },
    ...extra,
  });
}

async function post(path: string, body: unknown): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await fetch(`${s.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

/** A signed `asset.registered` record at the head, its confidential members concealed. */
function concealedRegistration(id: string): { record: LedgerRecord; disclosures: string[] } {
  const c = concealPayload('asset.registered', confidentialAsset(id, roles.holder));
  const head = s.service.log.head();
  return { record: buildRecord(head, { type: 'asset.registered', payload: c.payload as never }, roles.registry), disclosures: c.disclosures };
}

async function vaultHas(digests: readonly string[]): Promise<boolean[]> {
  return (await s.service.vault.getMany(digests)).map((d) => d !== undefined);
}

/** Every byte of the files under `path`, as latin1 text (to look for a marker). */
function filesText(path: string): string {
  let out = '';
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    out += statSync(p).isDirectory() ? filesText(p) : readFileSync(p).toString('latin1');
  }
  return out;
}

beforeAll(async () => {
  dir = tempDataDir();
  s = await startServer(dir);
  roles = await grantRoles(s);
  rn = newRegistrationNumber('CONF');
  const receipt = await s.client(roles.registry).submit('asset.registered', confidentialAsset(rn, roles.holder) as never);
  registeredIndex = receipt.index;
  registeredDisclosures = receipt.disclosures;
});
afterAll(async () => {
  await s.destroy();
});

describe('the write path', () => {
  it('logs digests only and keeps the disclosures in the vault', async () => {
    expect(registeredDisclosures).toHaveLength(4);
    const [logged] = (await s.service.entries(registeredIndex, registeredIndex + 1)) as [LedgerRecord];
    const text = JSON.stringify(logged);
    for (const marker of [HOLDER_NAME, DESCRIPTION, VALUATION]) expect(text).not.toContain(marker);
    const digests = payloadDigests(logged.payload).map((d) => d.digest);
    expect(digests.sort()).toEqual(registeredDisclosures.map(disclosureDigest).sort());
    expect(await vaultHas(digests)).toEqual([true, true, true, true]);
    const names = (await s.service.vault.getMany(digests)).map((d) => openDisclosure(d as string).name).sort();
    expect(names).toEqual(['description', 'name', 'subjects', 'valuation']);
  });

  it('refuses a member in clear, a missing, foreign or changed disclosure, and appends nothing', async () => {
    const size = s.service.size;
    const head = s.service.log.head();
    const clear = buildRecord(
      head,
      { type: 'asset.registered', payload: confidentialAsset(newRegistrationNumber('CLR'), roles.holder) as never },
      roles.registry,
    );
    const refusedClear = await post('/v1/assets/register', clear);
    expect([refusedClear.status, refusedClear.json['code']]).toEqual([400, 'DISCLOSURE_NOT_CONCEALED']);
    expect(refusedClear.text).not.toContain(HOLDER_NAME);

    const { record, disclosures } = concealedRegistration(newRegistrationNumber('MIS'));
    const missing = await post('/v1/assets/register', { records: [record], disclosures: disclosures.slice(1) });
    expect([missing.status, missing.json['code']]).toEqual([400, 'DISCLOSURE_MISSING']);
    const bare = await post('/v1/assets/register', record);
    expect([bare.status, bare.json['code']]).toEqual([400, 'DISCLOSURE_MISSING']);

    const other = concealedRegistration(newRegistrationNumber('FOR'));
    const foreign = await post('/v1/assets/register', { records: [record], disclosures: [...disclosures, other.disclosures[0]] });
    expect([foreign.status, foreign.json['code']]).toEqual([400, 'DISCLOSURE_FOREIGN']);

    // A disclosure whose value was changed no longer hashes to the digest the actor signed.
    const first = openDisclosure(disclosures[0] as string);
    const changed = makeDisclosure(first.name, 'another value', first.salt).disclosure;
    const refusedChanged = await post('/v1/assets/register', { records: [record], disclosures: [changed, ...disclosures.slice(1)] });
    expect(refusedChanged.status).toBe(400);
    expect(['DISCLOSURE_MISSING', 'DISCLOSURE_FOREIGN']).toContain(refusedChanged.json['code']);

    // A disclosure of a member that is not confidential where its digest sits.
    const wrong = makeDisclosure('rowCount', 5);
    const mm = concealPayload('asset.registered', confidentialAsset(newRegistrationNumber('MM'), roles.holder));
    const { rowCount: _public, ...rest } = mm.payload as Record<string, unknown>;
    void _public;
    const misplaced = buildRecord(
      head,
      { type: 'asset.registered', payload: { ...rest, _sd: [...(rest['_sd'] as string[]), wrong.digest].sort() } as never },
      roles.registry,
    );
    const refusedMisplaced = await post('/v1/assets/register', { records: [misplaced], disclosures: [...mm.disclosures, wrong.disclosure] });
    expect([refusedMisplaced.status, refusedMisplaced.json['code']]).toEqual([400, 'DISCLOSURE_MISMATCH']);

    for (const r of [missing, bare, foreign, refusedChanged]) for (const marker of [HOLDER_NAME, DESCRIPTION, VALUATION]) expect(r.text).not.toContain(marker);
    expect(s.service.size).toBe(size);
    expect(await vaultHas(disclosures.map(disclosureDigest))).toEqual([false, false, false, false]);
  });

  it('a batch the log refuses after the vault kept its disclosures leaves none behind', async () => {
    const size = s.service.size;
    const c = concealPayload('asset.registered', confidentialAsset(newRegistrationNumber('BRK'), roles.holder));
    // Signed on a head whose last leaf is not the log's: the registry rules pass, the log refuses the chain.
    const broken = buildRecord({ size, lastLeafHash: new Uint8Array(32) }, { type: 'asset.registered', payload: c.payload as never }, roles.registry);
    const refused = await post('/v1/assets/register', { records: [broken], disclosures: c.disclosures });
    expect(refused.json['code']).toBe('LEDGER_CHAIN_BROKEN');
    expect(s.service.size).toBe(size);
    expect(await vaultHas(c.disclosures.map(disclosureDigest))).toEqual([false, false, false, false]);
  });

  it('the envelope with every disclosure is appended; the same record again gets the same receipt', async () => {
    const { record, disclosures } = concealedRegistration(newRegistrationNumber('ENV'));
    const ok = await post('/v1/assets/register', { records: [record], disclosures });
    expect(ok.status).toBe(200);
    const again = await post('/v1/assets/register', { records: [record], disclosures });
    expect(again.json).toEqual(ok.json);
    expect(await vaultHas(disclosures.map(disclosureDigest))).toEqual([true, true, true, true]);
  });

  it('serves the policy in force', async () => {
    const policy = (await (await fetch(`${s.base}/v1/disclosure-policy`)).json()) as { confidential: Record<string, string[]> };
    expect(policy.confidential['asset.registered']).toEqual(['holder.name', 'description', 'valuation', 'subjects']);
    expect(policy.confidential['role.granted']).toEqual([]);
  });
});

describe('signed reads', () => {
  it('the regulator and the holder see the values; another role holder the digests only', async () => {
    for (const reader of [roles.regulator, roles.holder]) {
      const a = (await s.client(reader).getAsset(rn)) as Record<string, unknown> & { holder: { name?: string }; disclosures: string[] };
      expect(a.holder.name).toBe(HOLDER_NAME);
      expect(a['description']).toBe(DESCRIPTION);
      expect((a['valuation'] as { amount: string }).amount).toBe(VALUATION);
      expect(a.disclosures.sort()).toEqual([...registeredDisclosures].sort());
    }
    const sealed = (await s.client(roles.appraiser).getAsset(rn)) as Record<string, unknown>;
    expect(sealed['disclosures']).toEqual([]);
    expect(Object.keys(sealed['sealed'] as object).sort()).toEqual(['description', 'holder.name', 'subjects', 'valuation']);
    const text = JSON.stringify(sealed);
    for (const marker of [HOLDER_NAME, DESCRIPTION, VALUATION]) expect(text).not.toContain(marker);
  });

  it('records/:index/disclosures: by the policy; digests only for a stranger', async () => {
    const byRegulator = await s.client(roles.regulator).disclosuresOf(registeredIndex);
    expect(byRegulator.disclosures.sort()).toEqual([...registeredDisclosures].sort());
    const stranger = newActor();
    const byStranger = await s.client(stranger).disclosuresOf(registeredIndex);
    expect(byStranger.digests.sort()).toEqual(registeredDisclosures.map(disclosureDigest).sort());
    expect(byStranger.disclosures).toEqual([]);
    const byExchange = await s.client(roles.exchange).disclosuresOf(registeredIndex);
    expect(byExchange.disclosures).toEqual([]);
  });

  it('a licensee reads its licence with its name and fee; others do not', async () => {
    const lrn = newRegistrationNumber('LIC');
    await s.client(roles.registry).submit('asset.registered', assetPayload(lrn, roles.holder) as never);
    await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: lrn, outcome: 'approved', opinion: 'compliant' });
    const licensee = newActor();
    const id = `L-${lrn}`;
    const fee = { amount: '1200.00', currency: 'CNY' };
    const grant = await s
      .client(roles.holder)
      .submit('licence.granted', licencePayload(id, lrn, licensee, { licensee: { id: licensee.did, foreign: false, name: LICENSEE_NAME }, fee }) as never);
    expect(grant.disclosures).toHaveLength(2);
    const own = (await s.client(licensee).getLicence(id)) as Record<string, unknown> & { licensee: { name?: string } };
    expect(own.licensee.name).toBe(LICENSEE_NAME);
    expect(own['fee']).toEqual(fee);
    const other = (await s.client(roles.appraiser).getLicence(id)) as Record<string, unknown>;
    expect(JSON.stringify(other)).not.toContain(LICENSEE_NAME);
    expect(other['disclosures']).toEqual([]);
    expect(await codeOf(s.client(newActor()).getLicence(id))).toBe('HTTP_FORBIDDEN');
  });

  it('public routes carry no confidential value', async () => {
    const size = s.service.size;
    const texts = await Promise.all(
      [`/v1/log/entries?start=0&end=${size}`, '/v1/log/export', `/v1/log/entries/${registeredIndex}`, '/v1/disclosure-policy'].map(async (p) => {
        const res = await fetch(`${s.base}${p}`);
        expect(res.status, p).toBe(200);
        return res.text();
      }),
    );
    for (const t of texts) for (const marker of [HOLDER_NAME, DESCRIPTION, VALUATION, LICENSEE_NAME]) expect(t).not.toContain(marker);
    const unsigned = await fetch(`${s.base}/v1/supervision/disclosures`);
    expect(unsigned.status).toBe(401);
    expect(await codeOf(s.client(roles.holder).exportDisclosures())).toBe('HTTP_FORBIDDEN');
  });

  it("the regulator's export holds the disclosures of the records of a size, no more", async () => {
    const all = await s.client(roles.regulator).exportDisclosures();
    for (const d of registeredDisclosures) expect(all).toContain(d);
    const before = await s.client(roles.regulator).exportDisclosures(registeredIndex);
    for (const d of registeredDisclosures) expect(before).not.toContain(d);
  });
});

describe('erasure', () => {
  let subject: Actor;
  let consentIndex: number;
  let consentDisclosures: string[];
  let subjectAsset: string;

  beforeAll(async () => {
    subject = newActor();
    const crn = newRegistrationNumber('SUB');
    subjectAsset = crn;
    await s.client(roles.registry).submit('asset.registered', assetPayload(crn, roles.holder, { subjectIdentified: true, subjects: [subject.did] }) as never);
    await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: crn, outcome: 'approved', opinion: 'compliant' });
    const consent = await s.client(subject).submit('consent.granted', {
      consentId: `C-${crn}`,
      registrationNumber: crn,
      licensee: roles.exchange.did,
      purpose: 'credit-assessment',
      person: { name: PERSON_NAME },
    } as never);
    consentIndex = consent.index;
    consentDisclosures = consent.disclosures;
  });

  it('a licence refused for want of a consent does not name the data subjects', async () => {
    const crn = subjectAsset;
    const licensee = newActor();
    const res = await post('/v1/licences/grant', {
      ...buildRecord(s.service.log.head(), { type: 'licence.granted', payload: licencePayload(`L-${crn}`, crn, licensee) as never }, roles.holder),
    });
    expect([res.status, res.json['code']]).toEqual([422, 'REGISTRY_CONSENT_MISSING']);
    expect(res.text).not.toContain(subject.did);
  });

  it('the data subject reads its consent; the holder does not', async () => {
    expect((await s.client(subject).disclosuresOf(consentIndex)).disclosures).toEqual(consentDisclosures);
    expect((await s.client(roles.holder).disclosuresOf(consentIndex)).disclosures).toEqual([]);
  });

  it('a stranger may not erase; the subject erases its consent; the vault forgets it', async () => {
    const person = consentDisclosures[0] as string;
    const digest = disclosureDigest(person);
    const request = { index: consentIndex, erased: [{ digest, member: 'person' }], reason: 'the data subject withdrew (PIPL art. 47)' };
    expect(await codeOf(s.client(roles.holder).erase(request))).toBe('REGISTRY_UNAUTHORISED');
    expect(await codeOf(s.client(subject).erase({ ...request, erased: [{ digest, member: 'subjects' }] }))).toBe('REGISTRY_ERASURE_INVALID');
    await s.client(subject).erase(request);
    expect(await vaultHas([digest])).toEqual([false]);
    expect((await s.client(roles.regulator).disclosuresOf(consentIndex)).disclosures).toEqual([]);
    expect(await codeOf(s.client(subject).erase(request))).toBe('REGISTRY_ERASURE_INVALID');
  });

  it('a regulator erases an asset member; the read and the export lose it; the log still verifies', async () => {
    const description = registeredDisclosures.find((d) => openDisclosure(d).name === 'description') as string;
    const digest = disclosureDigest(description);
    await s.client(roles.regulator).erase({ index: registeredIndex, erased: [{ digest, member: 'description' }], reason: 'court order 2026-17' });
    expect(await vaultHas([digest])).toEqual([false]);
    const a = (await s.client(roles.regulator).getAsset(rn)) as Record<string, unknown> & { disclosures: string[]; holder: { name?: string } };
    expect(a['description']).toBeUndefined();
    expect(a.holder.name).toBe(HOLDER_NAME);
    expect(a.disclosures).not.toContain(description);
    expect(await s.client(roles.regulator).exportDisclosures()).not.toContain(description);
    const lines: string[] = [];
    for await (const line of s.service.exportBundle()) lines.push(line);
    const report = await auditBundle(lines, { trustedLogKeys: [s.service.logVerifierKey] });
    expect(report.integrity?.valid).toBe(true);
    expect(report.integrity?.size).toBe(s.service.size);
    // The erased record is still on the log, byte for byte: its inclusion proof verifies against
    // the signed checkpoint, and the level-0 tile holds its leaf hash.
    const [logged] = (await s.service.entries(registeredIndex, registeredIndex + 1)) as [LedgerRecord];
    const byIndex = await s.client().inclusionProof({ index: registeredIndex });
    const root = openCheckpoint(byIndex.checkpoint as string, [s.service.logVerifierKey]).checkpoint.rootHash;
    const proof = byIndex.proof.map((p) => fromBase64(p));
    expect(verifyInclusion({ leafHash: recordLeafHash(logged), index: registeredIndex, treeSize: byIndex.treeSize, proof, root })).toBe(true);
    expect(s.service.size).toBeLessThan(256); // one partial tile
    const tile = new Uint8Array(await (await fetch(`${s.base}/tlog/tile/0/000.p/${s.service.size}`)).arrayBuffer());
    expect(tile.subarray(32 * registeredIndex, 32 * registeredIndex + 32)).toEqual(recordLeafHash(logged));
    // The regulator's audit replays with the vault's disclosures: every one used, no violation.
    const audit = (await s.client(roles.regulator).auditReport()) as { valid: boolean; violations: unknown[]; disclosures: { given: number; used: number } };
    expect(audit.violations).toEqual([]);
    expect(audit.valid).toBe(true);
    expect(audit.disclosures.given).toBeGreaterThan(4);
    expect(audit.disclosures.used).toBe(audit.disclosures.given);
  });

  it('a restart rebuilds the same registry from the log and the vault; the erased values are gone from the files', async () => {
    // The whole registry state, member by member (persistent maps as sorted entries).
    const registry = (): unknown => {
      const st = s.service.registry();
      const rows = (m: { entries(): IterableIterator<[string, unknown]> }): [string, unknown][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      return {
        size: st.size,
        assets: rows(st.assets),
        licences: rows(st.licences),
        consents: rows(st.consents),
        roles: rows(st.roles),
        sealedRecords: rows(st.sealedRecords),
        erasedDigests: rows(st.erasedDigests),
      };
    };
    const before = { state: registry(), read: await s.client(roles.regulator).getAsset(rn) };
    const size = s.service.size;
    await s.stop();
    // The vault's tables are not compressed: a disclosure kept is found as it is, an erased one not at all.
    const vaultText = filesText(join(dir, 'vault'));
    const byName = (n: string): string => registeredDisclosures.find((d) => openDisclosure(d).name === n) as string;
    expect(vaultText).toContain(byName('name'));
    expect(vaultText).not.toContain(byName('description'));
    expect(vaultText).not.toContain(consentDisclosures[0]);
    // A crash between an erasure's append and the vault's erase: the open erases again.
    const vault = await openLevelVault(join(dir, 'vault'));
    await vault.put([{ digest: disclosureDigest(byName('description')), disclosure: byName('description') }]);
    await vault.close();
    s = await startServer(dir);
    expect(s.service.size).toBe(size);
    expect(s.service.replaySkipped).toBe(0);
    expect(await vaultHas([disclosureDigest(byName('description'))])).toEqual([false]);
    expect({ state: registry(), read: await s.client(roles.regulator).getAsset(rn) }).toEqual(before);
    // What an instance that wrote none of the records computes from the log and the vault.
    const caughtUp = await applyLogged(emptyRegistryState(), await s.service.entries(0, s.service.size), s.service.vault);
    expect([...caughtUp.assets.entries()]).toEqual([...s.service.registry().assets.entries()]);
    expect([...caughtUp.licences.entries()]).toEqual([...s.service.registry().licences.entries()]);
  });
});

describe('logs', () => {
  it('the request log (trace level) holds no disclosure and no confidential value', async () => {
    const lines: string[] = [];
    const logged = await startServer(tempDataDir(), { logger: { level: 'trace', stream: { write: (line: string) => void lines.push(line) } } } as never);
    try {
      const r = await grantRoles(logged);
      const c = concealPayload('asset.registered', confidentialAsset(newRegistrationNumber('LOG'), r.holder));
      const record = buildRecord(logged.service.log.head(), { type: 'asset.registered', payload: c.payload as never }, r.registry);
      const send = (body: unknown): Promise<Response> =>
        fetch(`${logged.base}/v1/assets/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      // Refused (a missing disclosure), refused (a member in clear), then accepted.
      expect((await send({ records: [record], disclosures: c.disclosures.slice(1) })).status).toBe(400);
      const clear = buildRecord(
        logged.service.log.head(),
        { type: 'asset.registered', payload: confidentialAsset('LOG-CLEAR', r.holder) as never },
        r.registry,
      );
      expect((await send(clear)).status).toBe(400);
      expect((await send({ records: [record], disclosures: c.disclosures })).status).toBe(200);
      const text = lines.join('');
      expect(text).toContain('/v1/assets/register');
      for (const marker of [HOLDER_NAME, DESCRIPTION, VALUATION, ...c.disclosures]) expect(text).not.toContain(marker);
    } finally {
      await logged.destroy();
    }
  });
});

describe('a deployment policy', () => {
  it('a member made public is taken in clear, and the policy served says so', async () => {
    const service = await openService({ dataDir: tempDataDir(), disclosurePolicy: disclosurePolicy({ public: ['asset.registered:description'] }) });
    const app = await buildApp({ service });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
      const policy = (await (await fetch(`${url}/v1/disclosure-policy`)).json()) as { confidential: Record<string, string[]> };
      expect(policy.confidential['asset.registered']).toEqual(['holder.name', 'valuation', 'subjects']);
      const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
      const registry = newActor();
      const holder = newActor();
      await new DataLedgerClient({ baseUrl: url, signer: root }).submit('role.granted', { subject: registry.did, role: 'registry' });
      // The client conceals with the policy it reads from the service: the description stays in clear.
      const receipt = await new DataLedgerClient({ baseUrl: url, signer: registry }).submit(
        'asset.registered',
        confidentialAsset(newRegistrationNumber('PUB'), holder) as never,
      );
      expect((receipt.record.payload as { description?: string }).description).toBe(DESCRIPTION);
      expect(receipt.disclosures.map((d) => openDisclosure(d).name).sort()).toEqual(['name', 'subjects', 'valuation']);
      // Concealing it anyway is a digest where this ledger expects none.
      const c = concealPayload('asset.registered', confidentialAsset(newRegistrationNumber('PUB'), holder));
      const record = buildRecord(service.log.head(), { type: 'asset.registered', payload: c.payload as never }, registry);
      const res = await fetch(`${url}/v1/assets/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [record], disclosures: c.disclosures }),
      });
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([400, 'DISCLOSURE_UNEXPECTED']);
      expect(() => disclosurePolicy({ public: ['role.granted:subject'] })).toThrow(expect.objectContaining({ code: 'DISCLOSURE_POLICY_INVALID' }));
    } finally {
      await app.close();
      await service.close();
    }
  });
});
