/**
 * `POST /v1/certificates/verify` checks a certificate's issuance record against the ledger it
 * serves (verifyCertificate's `ledgerLeaf`). A copy of a data directory that goes its own way
 * is a split view of the log: the same origin and log key, two different trees. A certificate
 * issued on the copy verifies offline with that log key (nothing offline can tell the trees
 * apart), and the route of the original refuses it with CERT_RECORD_NOT_IN_LEDGER; each
 * ledger's own certificates verify as before. A certificate the copy issued past the original's
 * head cannot be checked yet; that verdict is not cached, and once the original reaches the
 * index the route refuses it. Real services on 127.0.0.1, LevelDB in temp dirs.
 */
import { cpSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuanceRecordIndex, verifyCertificate, type DataAssetCertificate } from '@dataledger/certificates';
import { grantRoles, registeredAsset, startServer, tempDataDir, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let a: Server;
let b: Server;
let roles: Record<RoleName, Actor>;
let certA: DataAssetCertificate;
let certB: DataAssetCertificate;
// Issued on the copy after filler records: past the original's head when first presented.
let certAhead: DataAssetCertificate;

type Verdict = { verified: boolean; checks: { name: string; ok: boolean; code?: string }[] };
const failed = (v: Verdict): string[] => v.checks.filter((c) => !c.ok).map((c) => `${c.name}:${c.code}`);

async function issue(s: Server, rn: string): Promise<DataAssetCertificate> {
  const { certificate } = await s
    .client(roles.registry)
    .issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
  return certificate;
}

async function verifyOn(s: Server, certificate: unknown): Promise<Verdict> {
  const res = await fetch(`${s.base}/v1/certificates/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(certificate),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Verdict;
}

beforeAll(async () => {
  const dirA = tempDataDir();
  a = await startServer(dirA);
  roles = await grantRoles(a);
  const [rn1, rn2] = [await registeredAsset(a, roles), await registeredAsset(a, roles)];
  await a.stop();
  // The fork: the copy keeps the origin, the log key and every record so far.
  const dirB = tempDataDir();
  cpSync(dirA, dirB, { recursive: true });
  [a, b] = await Promise.all([startServer(dirA), startServer(dirB)]);
  // From here the two trees differ: each logs another certificate at the same index.
  [certA, certB] = await Promise.all([issue(a, rn1), issue(b, rn2)]);
  await registeredAsset(b, roles);
  certAhead = await issue(b, await registeredAsset(b, roles));
});

afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
});

describe('the verification route checks the issuance record against its own ledger', () => {
  it('the two ledgers are one log split in two: same key, another record at the same index', () => {
    expect(b.service.logVerifierKey).toBe(a.service.logVerifierKey);
    expect(issuanceRecordIndex(certB)).toBe(issuanceRecordIndex(certA));
    expect(certB.id).not.toBe(certA.id);
  });

  it('offline, with the log key, the split view is invisible: the certificate from the copy verifies', () => {
    const v = verifyCertificate(certB, { trustedLogKeys: [a.service.logVerifierKey], trustedIssuers: [roles.registry.did], skipStatusCheck: true });
    expect(failed(v)).toEqual([]);
    expect(v.verified).toBe(true);
  });

  it("each route refuses the other ledger's certificate with CERT_RECORD_NOT_IN_LEDGER, every proof holding", async () => {
    for (const [s, foreign] of [
      [a, certB],
      [b, certA],
    ] as const) {
      const v = await verifyOn(s, foreign);
      expect(v.verified).toBe(false);
      expect(v.checks.find((c) => c.name === 'record')).toEqual({ name: 'record', ok: false, code: 'CERT_RECORD_NOT_IN_LEDGER' });
      for (const name of ['proof', 'checkpoint', 'inclusion', 'issuer']) expect(v.checks.find((c) => c.name === name)?.ok, name).toBe(true);
    }
  });

  it('a certificate past the head is left to the proofs, uncached; once the ledger reaches its index, it is refused', async () => {
    const index = issuanceRecordIndex(certAhead) as number;
    expect(index).toBeGreaterThanOrEqual(a.service.size);
    const before = await verifyOn(a, certAhead);
    expect(before.checks.find((c) => c.name === 'record')).toEqual({ name: 'record', ok: true });
    // The original grows past that index with records of its own.
    while (a.service.size <= index) await registeredAsset(a, roles);
    const after = await verifyOn(a, certAhead);
    expect(after.verified).toBe(false);
    expect(after.checks.find((c) => c.name === 'record')).toEqual({ name: 'record', ok: false, code: 'CERT_RECORD_NOT_IN_LEDGER' });
  });

  it("each ledger's own certificate verifies on its route", async () => {
    for (const [s, own] of [
      [a, certA],
      [b, certB],
    ] as const) {
      const v = await verifyOn(s, own);
      expect(failed(v)).toEqual([]);
      expect(v.verified).toBe(true);
    }
  });
});
