/**
 * `DataLedgerClient` and confidential members over real HTTP on 127.0.0.1 (a LevelDB ledger
 * and vault in a temp dir): the client conceals with the policy the service publishes
 * (`GET /v1/disclosure-policy`; the default from a service without the route), records signed
 * with `buildRecords` carry their disclosures to `submitRecords`, and the signed reads
 * (`disclosuresOf`, `exportDisclosures`) and `erase` do what DESIGN.md "Disclosure policy" and
 * the wire format say.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISCLOSURE_POLICY, disclosureDigest, disclosurePolicy, openDisclosure, payloadDigests } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, openService, type DataDirService } from '@dataledger/service';
import type { FastifyInstance } from 'fastify';
import { assetPayload, newActor, newRegistrationNumber, ROLE_NAMES, tempDataDir, type Actor, type RoleName } from './support/http-ledger.ts';

let dir: string;
let service: DataDirService;
let app: FastifyInstance;
let base: string;
let roles: Record<RoleName, Actor>;
const client = (actor: Actor): DataLedgerClient => new DataLedgerClient({ baseUrl: base, signer: actor });

beforeAll(async () => {
  dir = tempDataDir();
  // This deployment publishes the asset descriptions (a member the default conceals).
  service = await openService({ dataDir: dir, disclosurePolicy: disclosurePolicy({ public: ['asset.registered:description'] }) });
  app = await buildApp({ service });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const root = { secretKey: service.rootAuthority.secretKey as Uint8Array, publicKey: service.rootAuthority.publicKey, did: service.rootAuthority.did };
  roles = {} as Record<RoleName, Actor>;
  for (const r of ROLE_NAMES) roles[r] = newActor();
  await client(root).submitBatch(ROLE_NAMES.map((role) => ({ type: 'role.granted', payload: { subject: roles[role].did, role } })));
}, 60_000);

afterAll(async () => {
  await app.close();
  await service.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('DataLedgerClient: confidential members', () => {
  it('conceals with the policy the service publishes, and hands each record its disclosures', async () => {
    const registry = client(roles.registry);
    const rn = newRegistrationNumber();
    const receipt = await registry.submit('asset.registered', assetPayload(rn, roles.holder, { description: 'Monthly meter readings' }) as never);
    const payload = receipt.record.payload as Record<string, unknown>;
    // Published by this deployment: in clear.
    expect(payload['description']).toBe('Monthly meter readings');
    // Confidential by default: digests only (holder.name, valuation, subjects).
    expect(payload['valuation']).toBeUndefined();
    expect(payload['subjects']).toBeUndefined();
    expect((payload['holder'] as Record<string, unknown>)['name']).toBeUndefined();
    expect(receipt.disclosures.map((d) => openDisclosure(d).name).sort()).toEqual(['name', 'subjects', 'valuation']);
    expect(new Set(receipt.disclosures.map(disclosureDigest))).toEqual(new Set(payloadDigests(payload).map((d) => d.digest)));
    expect((await registry.disclosurePolicy()).confidential['asset.registered']).toEqual(['holder.name', 'valuation', 'subjects']);
    // The review's opinion is confidential; a freeze has no confidential member (no disclosures).
    const review = await client(roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    expect(review.disclosures.map((d) => openDisclosure(d).name)).toEqual(['opinion']);
    const frozen = await client(roles.regulator).submit('asset.frozen', { registrationNumber: rn, reason: 'inquiry' });
    expect(frozen.disclosures).toEqual([]);
    expect(frozen.record.payload).toEqual({ registrationNumber: rn, reason: 'inquiry' });
  });

  it('buildRecords conceals and submitRecords sends the disclosures of the records it built', async () => {
    const registry = client(roles.registry);
    await registry.disclosurePolicy();
    const rns = [newRegistrationNumber(), newRegistrationNumber()];
    const records = registry.buildRecords(
      await registry.head(),
      rns.map((rn) => ({ type: 'asset.registered', payload: assetPayload(rn, roles.holder) as never })),
    );
    for (const r of records) {
      expect(payloadDigests(r.payload)).toHaveLength(3);
      expect(registry.disclosuresOfBuilt(r)).toHaveLength(3);
    }
    const receipts = await registry.submitRecords(records);
    expect(receipts.map((r) => r.index)).toEqual(records.map((r) => r.index));
    // Signed elsewhere (another client object): its disclosures are given explicitly.
    const other = client(roles.registry);
    await other.disclosurePolicy();
    const [elsewhere] = other.buildRecords(await other.head(), [
      { type: 'asset.registered', payload: assetPayload(newRegistrationNumber(), roles.holder) as never },
    ]);
    await expect(registry.submitRecord(elsewhere!)).rejects.toMatchObject({ code: 'DISCLOSURE_MISSING' });
    const [receipt] = await registry.submitRecords([elsewhere!], { disclosures: other.disclosuresOfBuilt(elsewhere!) });
    expect(receipt!.index).toBe(elsewhere!.index);
  });

  it('disclosuresOf: the holder reads its asset’s disclosures, a stranger the digests only; exportDisclosures and erase (regulator)', async () => {
    const rn = newRegistrationNumber();
    const receipt = await client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder) as never);
    const digests = payloadDigests(receipt.record.payload).map((d) => d.digest);
    const mine = await client(roles.holder).disclosuresOf(receipt.index);
    expect(new Set(mine.digests)).toEqual(new Set(digests));
    expect(new Set(mine.disclosures)).toEqual(new Set(receipt.disclosures));
    const theirs = await client(newActor()).disclosuresOf(receipt.index);
    expect(new Set(theirs.digests)).toEqual(new Set(digests));
    expect(theirs.disclosures).toEqual([]);

    const regulator = client(roles.regulator);
    const upTo = await regulator.exportDisclosures(receipt.index + 1);
    for (const d of receipt.disclosures) expect(upTo).toContain(d);
    // At a size before the record, its disclosures are not part of the export.
    const before = await regulator.exportDisclosures(receipt.index);
    for (const d of receipt.disclosures) expect(before).not.toContain(d);
    // A holder is not a regulator.
    await expect(client(roles.holder).exportDisclosures()).rejects.toMatchObject({ details: { status: 403 } });

    const valuation = receipt.disclosures.find((d) => openDisclosure(d).name === 'valuation')!;
    const erased = await regulator.erase({
      index: receipt.index,
      erased: [{ digest: disclosureDigest(valuation), member: 'valuation' }],
      reason: 'court order',
    });
    expect(erased.record.type).toBe('disclosure.erased');
    expect(await regulator.exportDisclosures()).not.toContain(valuation);
    expect((await regulator.disclosuresOf(receipt.index)).disclosures).not.toContain(valuation);
    expect((await regulator.disclosuresOf(receipt.index)).disclosures).toHaveLength(2);
  });
});

describe('DataLedgerClient against a service without the policy route', () => {
  let old: HttpServer;
  let url: string;
  beforeAll(async () => {
    // What a service that predates confidential members answers for the route: 404.
    old = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'HTTP_NOT_FOUND' }));
    });
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((r) => old.close(() => r())));

  it('conceals the default members', async () => {
    expect(await new DataLedgerClient({ baseUrl: url }).disclosurePolicy()).toBe(DEFAULT_DISCLOSURE_POLICY);
  });
});
