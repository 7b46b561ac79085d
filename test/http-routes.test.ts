/**
 * Every route's happy path over real HTTP (127.0.0.1, ephemeral port) on a LevelDB ledger
 * in a temp dir, through `DataLedgerClient`: the whole lifecycle of an asset, its
 * certificate verified by an exchange, and the log reads a regulator or witness uses.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '@dataledger/core';
import {
  cosignCheckpoint,
  cosignerVerifierKey,
  openCheckpoint,
  recordLeafHash,
  signCheckpoint,
  verifyBundle,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
} from '@dataledger/provenance';
import { issueCertificate, prepareCertificate } from '@dataledger/certificates';
import { ROUTE_OF_RECORD_TYPE } from '@dataledger/service';
import {
  assetPayload,
  grantRoles,
  licencePayload,
  newActor,
  newRegistrationNumber,
  registeredAsset,
  startServer,
  type Actor,
  type RoleName,
  type Server,
} from './support/http-ledger.ts';
import { codeOf } from './support/codes.ts';

let s: Server;
let roles: Record<RoleName, Actor>;
const covered = new Set<string>();
const cover = (method: string, path: string): void => void covered.add(`${method} ${path}`);

// The one witness this log is configured to accept (`--witness-key`).
const witness = newActor();
const wkey = cosignerVerifierKey('witness.example/w1', witness.publicKey);

beforeAll(async () => {
  s = await startServer(undefined, { witnessKeys: [wkey] });
  roles = await grantRoles(s);
  cover('POST', ROUTE_OF_RECORD_TYPE['role.granted'] as string);
});
afterAll(async () => {
  await s.destroy();
});

describe('meta', () => {
  it('GET /health, /openapi.json, /docs', async () => {
    const h = await s.client().health();
    expect(h.status).toBe('ok');
    expect(h.logKey).toBe(s.service.logVerifierKey);
    const spec = await (await fetch(`${s.base}/openapi.json`)).json();
    expect(spec.openapi).toMatch(/^3\./);
    const docs = await fetch(`${s.base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    cover('GET', '/health');
    cover('GET', '/openapi.json');
    cover('GET', '/docs');
  });
});

describe('registration, circulation and supervision', () => {
  it('register → review → value → change; reads of the asset need a role', async () => {
    const rn = newRegistrationNumber();
    const reg = await s.client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder) as never);
    expect(reg.index).toBeGreaterThan(0);
    await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    await s.client(roles.appraiser).submit('asset.valued', { registrationNumber: rn, valuation: { amount: '200000.00', currency: 'CNY', method: 'income' } });
    // A public member only: a concealed change (description, subjects) calls for a new review.
    await s.client(roles.registry).submit('asset.changed', { registrationNumber: rn, changes: { rowCount: 2000 } });
    const asset = await s.client(roles.exchange).getAsset(rn);
    expect(asset).toMatchObject({ registrationNumber: rn, review: 'approved', rowCount: 2000, status: 'active' });
    expect(await codeOf(s.client(newActor()).getAsset(rn))).toBe('HTTP_FORBIDDEN');
    expect((await fetch(`${s.base}/v1/assets/${rn}`)).status).toBe(401);
    for (const t of ['asset.registered', 'asset.reviewed', 'asset.valued', 'asset.changed']) cover('POST', ROUTE_OF_RECORD_TYPE[t] as string);
    cover('GET', '/v1/assets/{id}');
  });

  it('issue a certificate; an exchange verifies it; suspend, reinstate and revoke flip its status', async () => {
    const rn = await registeredAsset(s, roles);
    const { subject, payload } = prepareCertificate(s.service.registry(), {
      registrationNumber: rn,
      certificateId: `urn:uuid:${randomUUID()}`,
      statusListIndex: 7,
      revocationList: 'https://status.example/lists/rev-1',
      suspensionList: 'https://status.example/lists/sus-1',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
    });
    const receipt = await s.client(roles.registry).submit('certificate.issued', payload as never);
    const cert = issueCertificate({
      subject,
      issued: { record: receipt.record, proof: receipt.inclusionProof.map((p) => fromBase64(p)) },
      checkpoint: receipt.checkpoint,
      secretKey: roles.registry.secretKey,
    });
    const exchange = s.client();
    const ok = await exchange.verifyCertificate(cert);
    expect(ok.checks.filter((c) => !c.ok)).toEqual([]);
    expect(ok.verified).toBe(true);
    const id = payload.certificateId;
    expect(await exchange.getCertificateState(id)).toMatchObject({ certificateId: id, status: 'active' });

    await s.client(roles.regulator).submit('certificate.suspended', { certificateId: id, reason: 'under investigation' });
    const suspended = await exchange.verifyCertificate(cert);
    expect(suspended.verified).toBe(false);
    expect(suspended.checks.find((c) => c.name === 'status')?.code).toBe('CERT_STATUS_SUSPENDED');
    await s.client(roles.regulator).submit('certificate.reinstated', { certificateId: id, reason: 'cleared' });
    expect((await exchange.verifyCertificate(cert)).verified).toBe(true);
    await s.client(roles.registry).submit('certificate.revoked', { certificateId: id, reason: 'superseded' });
    const revoked = await exchange.verifyCertificate({ certificate: cert });
    expect(revoked.checks.find((c) => c.name === 'status')?.code).toBe('CERT_STATUS_REVOKED');
    // a tampered certificate fails its proof
    const forged = structuredClone(cert) as Record<string, unknown>;
    (forged as { validUntil: string }).validUntil = '2099-01-01T00:00:00Z';
    expect((await exchange.verifyCertificate(forged)).verified).toBe(false);
    for (const t of ['certificate.issued', 'certificate.suspended', 'certificate.reinstated', 'certificate.revoked'])
      cover('POST', ROUTE_OF_RECORD_TYPE[t] as string);
    cover('POST', '/v1/certificates/verify');
    cover('GET', '/v1/certificates/{id}/state');
  });

  it('issue in one call: the signed certificate and its status lists are published', async () => {
    const rn = await registeredAsset(s, roles);
    const registry = s.client(roles.registry);
    const { certificate } = await registry.issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    const id = certificate.id as string;
    const exchange = s.client();
    expect(await exchange.getCertificate(id)).toEqual(certificate);
    // publishing the same again is idempotent
    expect(await registry.publishCertificate(certificate)).toEqual(certificate);
    const slots = await exchange.statusListSlots();
    const entries = certificate.credentialStatus as { statusListCredential: string }[];
    for (const e of entries) {
      expect(e.statusListCredential.startsWith(`${s.base}/v1/status-lists/`)).toBe(true);
      const list = await exchange.statusList(e.statusListCredential.slice(`${s.base}/v1/status-lists/`.length));
      expect(list.id).toBe(e.statusListCredential);
      expect(slots.lists.map((l) => l.url)).toContain(e.statusListCredential);
    }
    const ev = await exchange.request<{ treeSize: number }>('GET', `/v1/certificates/${encodeURIComponent(id)}/role-evidence?treeSize=${s.service.size}`);
    expect(ev.treeSize).toBe(s.service.size);
    cover('GET', '/v1/certificates/{id}');
    cover('PUT', '/v1/certificates/{id}');
    cover('GET', '/v1/certificates/{id}/role-evidence');
    cover('GET', '/v1/status-lists');
    cover('GET', '/v1/status-lists/{id}');
  });

  it('licence, sub-licence read, revoke; transfer to a new holder', async () => {
    const rn = await registeredAsset(s, roles);
    const licensee = newActor();
    const lid = `LIC-${randomUUID()}`;
    await s.client(roles.holder).submit('licence.granted', licencePayload(lid, rn, licensee) as never);
    const lic = await s.client(roles.regulator).getLicence(lid);
    expect(lic).toMatchObject({ licenceId: lid, status: 'active' });
    await s.client(roles.holder).submit('licence.revoked', { licenceId: lid, reason: 'contract ended' });
    expect(await s.client(roles.regulator).getLicence(lid)).toMatchObject({ status: 'revoked' });
    const newHolder = newActor();
    await s
      .client(roles.holder)
      .submit('asset.transferred', { registrationNumber: rn, to: { id: newHolder.did, foreign: false }, price: { amount: '10.00', currency: 'CNY' } });
    expect(await s.client(roles.regulator).getAsset(rn)).toMatchObject({ holder: { id: newHolder.did } });
    for (const t of ['licence.granted', 'licence.revoked', 'asset.transferred']) cover('POST', ROUTE_OF_RECORD_TYPE[t] as string);
    cover('GET', '/v1/licences/{id}');
  });

  it('consent of a data subject, then revoked; cross-border approval; freeze, unfreeze, cancel', async () => {
    const subject = newActor();
    const bank = newActor();
    const rn = newRegistrationNumber();
    await s.client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder, { subjectIdentified: true, subjects: [subject.did] }) as never);
    await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'ok' });
    const consentId = `CON-${randomUUID()}`;
    await s.client(subject).submit('consent.granted', { consentId, registrationNumber: rn, licensee: bank.did, purpose: 'credit-assessment' });
    await s.client(roles.holder).submit('licence.granted', licencePayload(`LIC-${randomUUID()}`, rn, bank) as never);
    await s.client(subject).submit('consent.revoked', { consentId });
    const foreign = newActor();
    await s.client(roles.regulator).submit('crossborder.approved', { registrationNumber: rn, party: foreign.did, purpose: 'joint research' });
    await s.client(roles.regulator).submit('asset.frozen', { registrationNumber: rn, reason: 'inquiry' });
    expect(await s.client(roles.regulator).getAsset(rn)).toMatchObject({ frozen: true, status: 'frozen' });
    expect(await codeOf(s.client(roles.holder).submit('licence.granted', licencePayload(`LIC-${randomUUID()}`, rn, bank) as never))).toBe(
      'REGISTRY_ASSET_FROZEN',
    );
    await s.client(roles.regulator).submit('asset.unfrozen', { registrationNumber: rn, reason: 'closed' });
    await s.client(roles.regulator).submit('asset.cancelled', { registrationNumber: rn, reason: 'withdrawn' });
    expect(await s.client(roles.regulator).getAsset(rn)).toMatchObject({ cancelled: true });
    for (const t of ['consent.granted', 'consent.revoked', 'crossborder.approved', 'asset.frozen', 'asset.unfrozen', 'asset.cancelled']) {
      cover('POST', ROUTE_OF_RECORD_TYPE[t] as string);
    }
  });

  it('role revoked; supervision reports for a regulator', async () => {
    const temp = newActor();
    await s.client(s.root).submit('role.granted', { subject: temp.did, role: 'appraiser' });
    await s.client(s.root).submit('role.revoked', { subject: temp.did, role: 'appraiser' });
    expect(await codeOf(s.client(temp).getAsset('X'))).toBe('HTTP_FORBIDDEN');
    const stats = (await s.client(roles.regulator).statisticsReport()) as { assets?: unknown };
    expect(stats).toHaveProperty('assets');
    const audit = (await s.client(roles.regulator).auditReport()) as { valid: boolean; records: number; violations: unknown[] };
    expect(audit.valid).toBe(true);
    expect(audit.violations).toEqual([]);
    expect(audit.records).toBe(s.service.size);
    expect(await codeOf(s.client(roles.holder).auditReport())).toBe('HTTP_FORBIDDEN');
    cover('POST', ROUTE_OF_RECORD_TYPE['role.revoked'] as string);
    cover('GET', '/v1/supervision/audit');
    cover('GET', '/v1/supervision/statistics');
  });
});

describe('log reads', () => {
  it('checkpoint and key; head; entries; proofs; consistency; export verifies', async () => {
    const c = s.client();
    const vkey = await c.logKey();
    expect(vkey).toBe(s.service.logVerifierKey);
    const note = await c.checkpoint();
    const { checkpoint } = openCheckpoint(note, [vkey]);
    const head = await c.head();
    expect(head.size).toBe(checkpoint.size);
    const entries = await c.entries(0, head.size);
    expect(entries.length).toBe(head.size);
    expect(entries[0]?.type).toBe('ledger.genesis');
    expect(await c.record(1)).toEqual(entries[1]);
    const last = entries[head.size - 1]!;
    const byIndex = await c.inclusionProof({ index: last.index });
    const byLeaf = await c.inclusionProof({ leafHash: byIndex.leafHash, treeSize: head.size });
    expect(byLeaf.proof).toEqual(byIndex.proof);
    expect(byIndex.leafHash).toBe(Buffer.from(recordLeafHash(last)).toString('base64'));
    const root = openCheckpoint(byIndex.checkpoint!, [vkey]).checkpoint.rootHash;
    expect(
      verifyInclusion({ leafHash: recordLeafHash(last), index: last.index, treeSize: byIndex.treeSize, proof: byIndex.proof.map((p) => fromBase64(p)), root }),
    ).toBe(true);
    // consistency between an older size and now
    const old = Math.max(1, head.size - 5);
    const oldRoot = await s.service.log.rootHashAt(old);
    const cons = await c.consistencyProof(old, head.size);
    expect(verifyConsistency({ size1: old, size2: head.size, root1: oldRoot, root2: checkpoint.rootHash, proof: cons.proof.map((p) => fromBase64(p)) })).toBe(
      true,
    );
    const lines: string[] = [];
    for await (const l of c.exportBundle()) lines.push(`${l}\n`);
    const report = await verifyBundle(lines, { trustedLogKeys: [vkey] });
    expect(report).toMatchObject({ valid: true, size: head.size });
    for (const p of [
      '/v1/log/checkpoint',
      '/v1/log/key',
      '/v1/log/head',
      '/v1/log/entries',
      '/v1/log/entries/{index}',
      '/v1/log/proof/inclusion',
      '/v1/log/proof/consistency',
      '/v1/log/export',
    ]) {
      cover('GET', p);
    }
  });
});

describe('witness cosignatures', () => {
  it('a witness cosigns the checkpoint; it is served with it; a foreign tree is refused', async () => {
    const c = s.client();
    const note = await c.checkpoint();
    const cosignedNote = cosignCheckpoint(note, { name: 'witness.example/w1', secretKey: witness.secretKey });
    expect(await c.addCosignature(cosignedNote, wkey)).toEqual({ witnessKey: wkey, size: openCheckpoint(note, [s.service.logVerifierKey]).checkpoint.size });
    const served = await c.checkpoint();
    expect(verifyCosignature(served, wkey)).toBe(true);
    expect(openCheckpoint(served, [s.service.logVerifierKey]).checkpoint.size).toBe(s.service.size);
    expect((await c.cosignatures()).cosignatures.map((x) => x.witnessKey)).toEqual([wkey]);
    // a witness the log was not configured with, and a checkpoint of another tree
    expect(await codeOf(c.addCosignature(cosignedNote, cosignerVerifierKey('witness.example/w2', newActor().publicKey)))).toBe('HTTP_WITNESS_UNKNOWN');
    expect(await codeOf(c.addCosignature(note, wkey))).toBe('CHECKPOINT_SIGNATURE_INVALID');
    const other = signCheckpoint({ origin: s.service.origin, size: 1, rootHash: new Uint8Array(32) }, { name: 'x', secretKey: newActor().secretKey });
    expect(await codeOf(c.addCosignature(cosignCheckpoint(other, { name: 'witness.example/w1', secretKey: witness.secretKey }), wkey))).toMatch(/^CHECKPOINT_/);
    cover('POST', '/v1/log/cosignatures');
    cover('GET', '/v1/log/cosignatures');
  });
});

describe('tlog-tiles', () => {
  it('serves the checkpoint and a tile (the full behaviour is in http-tiles.test.ts)', async () => {
    const cp = await fetch(`${s.base}/tlog/checkpoint`);
    expect(cp.status).toBe(200);
    expect(openCheckpoint(await cp.text(), [s.service.logVerifierKey]).checkpoint.size).toBe(s.service.size);
    const size = s.service.size;
    const width = size % 256;
    const tile = await fetch(`${s.base}/tlog/tile/0/000${size >= 256 ? '' : `.p/${width}`}`);
    expect(tile.status).toBe(200);
    expect((await tile.arrayBuffer()).byteLength).toBe(32 * (size >= 256 ? 256 : width));
    cover('GET', '/tlog/checkpoint');
    cover('GET', '/tlog/tile/{*}');
  });
});

describe('coverage', () => {
  it('every documented route was exercised above', async () => {
    const spec = (await (await fetch(`${s.base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) for (const m of Object.keys(ops)) documented.push(`${m.toUpperCase()} ${path}`);
    // The aggregation routes (real node-seal) have their own file: http-aggregation.test.ts;
    // the explorer's (the built page) theirs: http-explorer.test.ts; the confidential members'
    // (disclosures, their erasure) theirs: http-disclosures.test.ts.
    const disclosureRoutes = [
      'POST /v1/disclosures/erase',
      'GET /v1/disclosure-policy',
      'GET /v1/records/{index}/disclosures',
      'GET /v1/supervision/disclosures',
    ];
    const own = (d: string): boolean => d.includes(' /v1/aggregation/') || d === 'GET /' || d.startsWith('GET /explorer/') || disclosureRoutes.includes(d);
    const missing = documented.filter((d) => !covered.has(d) && !d.startsWith('GET /docs') && !own(d));
    expect(missing).toEqual([]);
  });
});
