/**
 * `POST /v1/certificates/verify` remembers the time-independent checks of a certificate by
 * its RFC 8785 canonical form: the same certificate spelled differently (whitespace, member
 * order, number spelling) gets the same verdict, and a certificate that differs in any value
 * never borrows another's verdict. Also: revoking the issuer's role is seen at once (the
 * remembered checks are tied to the roles they were made under). Real HTTP on 127.0.0.1 over
 * a LevelDB ledger.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '@dataledger/core';
import { issueCertificate, prepareCertificate } from '@dataledger/certificates';
import { grantRoles, registeredAsset, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let s: Server;
let roles: Record<RoleName, Actor>;
let cert: Record<string, unknown>;

type Verdict = { verified: boolean; checks: { name: string; ok: boolean; code?: string }[] };

async function verifyText(text: string): Promise<Verdict> {
  const res = await fetch(`${s.base}/v1/certificates/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  expect(res.status).toBe(200);
  return (await res.json()) as Verdict;
}

/** The same JSON value, members in reverse order at every level, indented. */
function respelled(value: unknown): string {
  const reverse = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reverse)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reverse(x)]),
          )
        : v;
  return JSON.stringify(reverse(value), null, 3).replace(/"statusListIndex": (\d+)/, (_m, n: string) => `"statusListIndex": ${n}.0e0`);
}

beforeAll(async () => {
  s = await startServer(undefined, { verifyRateLimit: false });
  roles = await grantRoles(s);
  const rn = await registeredAsset(s, roles);
  const { subject, payload } = prepareCertificate(s.service.registry(), {
    registrationNumber: rn,
    certificateId: `urn:uuid:${randomUUID()}`,
    statusListIndex: 3,
    revocationList: 'https://status.example/lists/rev-1',
    suspensionList: 'https://status.example/lists/sus-1',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
  });
  const receipt = await s.client(roles.registry).submit('certificate.issued', payload as never);
  cert = issueCertificate({
    subject,
    issued: { record: receipt.record, proof: receipt.inclusionProof.map((p) => fromBase64(p)) },
    checkpoint: receipt.checkpoint,
    secretKey: roles.registry.secretKey,
  }) as unknown as Record<string, unknown>;
});
afterAll(async () => {
  await s?.destroy();
});

describe('verify route cache (canonical form)', () => {
  it('gives a re-spelled certificate the verdict of the certificate', async () => {
    const first = await verifyText(JSON.stringify(cert));
    expect(first.checks.filter((c) => !c.ok)).toEqual([]);
    expect(first.verified).toBe(true);
    const text = respelled(cert);
    expect(text).not.toBe(JSON.stringify(cert));
    for (let i = 0; i < 3; i++) expect(await verifyText(text)).toEqual(first);
  });

  it('never lends a verdict to a certificate that differs in a value', async () => {
    await verifyText(JSON.stringify(cert));
    const changed = structuredClone(cert) as { credentialSubject: { name: string } };
    changed.credentialSubject.name = `${changed.credentialSubject.name} `;
    const verdict = await verifyText(respelled(changed));
    expect(verdict.verified).toBe(false);
    expect(verdict.checks.find((c) => c.name === 'proof')?.ok).toBe(false);
  });

  it("sees the issuer's role revoked at once", async () => {
    expect((await verifyText(JSON.stringify(cert))).verified).toBe(true);
    await s.client(s.root).submit('role.revoked', { subject: roles.registry.did, role: 'registry' });
    const after = await verifyText(respelled(cert));
    expect(after.verified).toBe(false);
    expect(after.checks.find((c) => c.name === 'issuer')?.ok).toBe(false);
  });
});
