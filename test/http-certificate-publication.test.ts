/**
 * The service publishes certificates and status lists (DESIGN.md: "The service serves each
 * certificate and its status-list credentials"): a signed certificate is uploaded once, checked
 * against the ledger, kept in the data directory across restarts, and served exactly as signed;
 * bad uploads get a coded error and change nothing. Status lists (W3C Bitstring Status List
 * v1.0) are served at the URL certificates name, carry `validFrom` and `ttl` (§2.2), are signed
 * by the log key and re-signed when a status record changes them. Real HTTP on 127.0.0.1,
 * LevelDB in a temp dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '@dataledger/core';
import {
  BitstringStatusList,
  issueCertificate,
  prepareCertificate,
  statusListSignerOfLog,
  verifyCertificate,
  type DataAssetCertificate,
  type JsonObject,
  type RegistryState,
} from '@dataledger/certificates';
import { codeOf } from './support/codes.ts';
import { grantRoles, registeredAsset, resignedCertificate, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let s: Server;
let roles: Record<RoleName, Actor>;

beforeAll(async () => {
  s = await startServer(undefined, { publicUrl: 'http://127.0.0.1:1/' });
  roles = await grantRoles(s);
}, 60_000);
afterAll(async () => {
  await s.destroy();
});

const put = (id: string, body: unknown): Promise<Response> =>
  fetch(`${s.base}/v1/certificates/${encodeURIComponent(id)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('PUT /v1/certificates/{id}', () => {
  it('refuses what the ledger does not back, with a code, and keeps nothing', async () => {
    const rn = await registeredAsset(s, roles);
    const state = s.service.registry() as RegistryState;
    const slot = (await s.client().statusListSlots()).next;
    const { subject, payload } = prepareCertificate(state, {
      registrationNumber: rn,
      certificateId: `urn:uuid:${crypto.randomUUID()}`,
      ...slot,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
    });
    const receipt = await s.client(roles.registry).submit('certificate.issued', payload as never);
    // signed without role evidence: an offline verifier could not trust the issuer
    const bare = issueCertificate({
      subject,
      issued: { record: receipt.record, proof: receipt.inclusionProof.map((h) => fromBase64(h)) },
      checkpoint: receipt.checkpoint,
      secretKey: roles.registry.secretKey,
    });
    const id = payload.certificateId;
    const noEvidence = await put(id, bare);
    expect([noEvidence.status, (await noEvidence.json()).code]).toEqual([422, 'CERT_ISSUER_UNTRUSTED']);
    // a changed subject
    const changed = structuredClone(bare) as unknown as JsonObject & { credentialSubject: JsonObject };
    changed.credentialSubject.rowCount = 1;
    expect((await (await put(id, changed)).json()).code).toBe('CERT_PROOF_INVALID');
    // another id in the path, an id never logged, not a certificate
    expect([(await put('urn:uuid:other', bare)).status]).toEqual([400]);
    const unknown = { ...bare, id: 'urn:uuid:never-logged' };
    expect((await put('urn:uuid:never-logged', unknown)).status).toBe(404);
    expect((await put(id, { hello: 'world' })).status).toBe(400);
    // nothing was published
    expect(await codeOf(s.client().getCertificate(id))).toBe('HTTP_NOT_FOUND');
  });

  it('publishes once, serves it exactly as signed, keeps it across a restart, refuses another under the same id', async () => {
    const rn = await registeredAsset(s, roles);
    const { certificate } = await s
      .client(roles.registry)
      .issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    const id = certificate.id as string;
    const served = await fetch(`${s.base}/v1/certificates/${encodeURIComponent(id)}`);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    const got = (await served.json()) as DataAssetCertificate;
    expect(got).toEqual(certificate);
    // it verifies offline with the log key alone (status opted out explicitly here)
    expect(verifyCertificate(got, { trustedLogKeys: [s.service.logVerifierKey], skipStatusCheck: true })).toMatchObject({
      verified: true,
      status: 'unchecked',
    });
    // the same again: 200; another signature (new proof time) under the same id: 409
    expect((await put(id, certificate)).status).toBe(200);
    const resigned = resignedCertificate(certificate, roles.registry.secretKey, '2026-02-02T00:00:00Z');
    const conflict = await put(id, resigned);
    expect([conflict.status, (await conflict.json()).code]).toEqual([409, 'CERT_CONFLICT']);
    // durable: a restarted service on the same data dir serves the same certificate
    const dir = s.dir;
    await s.stop();
    s = await startServer(dir, { publicUrl: 'http://127.0.0.1:1/' });
    expect(await s.client().getCertificate(id)).toEqual(certificate);
  });
});

describe('GET /v1/status-lists/{id}', () => {
  it('serves the lists certificates name under the public URL, signed by the log key, with ttl, re-signed on status records', async () => {
    const rn = await registeredAsset(s, roles);
    const { certificate } = await s
      .client(roles.registry)
      .issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    const entries = certificate.credentialStatus as { statusPurpose: string; statusListIndex: string; statusListCredential: string }[];
    const rev = entries.find((e) => e.statusPurpose === 'revocation')!;
    // the absolute URL comes from the configured public URL, whatever Host the request had
    expect(rev.statusListCredential).toMatch(/^http:\/\/127\.0\.0\.1:1\/v1\/status-lists\/revocation-\d+$/);
    const listId = rev.statusListCredential.split('/').at(-1)!;
    const before = await s.client().statusList(listId);
    expect(before.id).toBe(rev.statusListCredential);
    expect(before.issuer).toBe(statusListSignerOfLog(s.service.logVerifierKey));
    const subject = before.credentialSubject as JsonObject;
    expect(subject.ttl).toBe(300_000);
    expect(typeof before.validFrom).toBe('string');
    const bit = (vc: JsonObject): boolean =>
      BitstringStatusList.decode((vc.credentialSubject as JsonObject).encodedList as string).get(Number(rev.statusListIndex));
    expect(bit(before)).toBe(false);
    await s.client(roles.regulator).submit('certificate.revoked', { certificateId: certificate.id as string, reason: 'superseded' });
    const after = await s.client().statusList(listId);
    expect(bit(after)).toBe(true);
    expect(
      verifyCertificate(certificate, {
        trustedLogKeys: [s.service.logVerifierKey],
        statusList: [after, await s.client().statusList(listId.replace('revocation', 'suspension'))],
      }),
    ).toMatchObject({
      verified: false,
      status: 'revoked',
    });
    expect(await codeOf(s.client().statusList('revocation-999'))).toBe('HTTP_NOT_FOUND');
  });
});
