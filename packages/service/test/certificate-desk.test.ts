/**
 * The certificate desk's status lists over a real data directory (LevelDB in a temp dir), with
 * a controlled clock: a served list is fresh for at least half its `ttl` (Bitstring Status List
 * v1.0 §2.2): it is re-signed once half the ttl has passed, and at once when a status record
 * changes it; between those it is the same signed credential.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, type KeyPair } from '@dataledger/core';
import { buildRecord } from '@dataledger/provenance';
import { certificateSubject, concealPayload, subjectHash, type JsonObject, type RecordType } from '@dataledger/certificates';
import { createCertificateDesk, memoryShelf, type CertificateDesk } from '../src/certificate-desk.ts';
import { openService, parseKeyFile, type DataDirService } from '../src/open.ts';
import { assetPayload } from '../../../test/support/fixtures.ts';

const REV = 'https://ledger.example/v1/status-lists/revocation-1';
const SUS = 'https://ledger.example/v1/status-lists/suspension-1';
const TTL = 10_000;
let dir: string;
let service: DataDirService;
let desk: CertificateDesk;
let clock = Date.parse('2026-11-29T00:00:00.000Z');
let registry: KeyPair;
let regulator: KeyPair;

async function submit(by: KeyPair, type: string, payload: Record<string, unknown>): Promise<void> {
  const h = service.head();
  const head = { size: h.size, lastLeafHash: h.lastLeafHash === '' ? null : Buffer.from(h.lastLeafHash, 'base64') };
  // Confidential members go as digests, their disclosures beside the record.
  const c = concealPayload(type as RecordType, payload);
  await service.submit([buildRecord(head, { type, payload: c.payload as never }, by)], c.disclosures);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dataledger-desk-'));
  service = await openService({ dataDir: join(dir, 'data') });
  const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
  registry = generateKeyPair();
  regulator = generateKeyPair();
  const reviewer = generateKeyPair();
  const did = (k: KeyPair): string => didKeyFromPublicKey(k.publicKey);
  await submit(root as KeyPair, 'role.granted', { subject: did(registry), role: 'registry' });
  await submit(root as KeyPair, 'role.granted', { subject: did(regulator), role: 'regulator' });
  await submit(root as KeyPair, 'role.granted', { subject: did(reviewer), role: 'reviewer' });
  await submit(registry, 'asset.registered', assetPayload('DESK-1', { did: did(registry) }));
  await submit(reviewer, 'asset.reviewed', { registrationNumber: 'DESK-1', outcome: 'approved', opinion: 'ok' });
  await submit(registry, 'certificate.issued', {
    certificateId: 'urn:uuid:desk-1',
    registrationNumber: 'DESK-1',
    statusListIndex: 5,
    revocationList: REV,
    suspensionList: SUS,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2029-01-01T00:00:00Z',
    subjectHash: subjectHash(certificateSubject(service.registry().assets.get('DESK-1')!)),
  });
  // The data directory's log seed (what openService signs checkpoints with), a controlled clock.
  const logSeed = parseKeyFile(readFileSync(join(dir, 'data', 'log.key'), 'utf8')).secretKey;
  desk = createCertificateDesk({ service, logSecretKey: logSeed, shelf: memoryShelf(), statusListTtlMs: TTL, now: () => clock });
}, 60_000);

afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('status lists of the desk', () => {
  it('the same list until half its ttl, then re-signed; at once after a status record', async () => {
    const first = desk.statusList(REV) as JsonObject;
    expect(first.validFrom).toBe(new Date(clock).toISOString());
    expect((first.credentialSubject as JsonObject).ttl).toBe(TTL);
    expect(first.issuer).toBe(desk.statusListSigner);
    clock += TTL / 2 - 1;
    expect(desk.statusList(REV)).toBe(first);
    clock += 1;
    const second = desk.statusList(REV) as JsonObject;
    expect(second).not.toBe(first);
    expect(second.validFrom).toBe(new Date(clock).toISOString());
    await submit(regulator, 'certificate.revoked', { certificateId: 'urn:uuid:desk-1', reason: 'r' });
    const third = desk.statusList(REV) as JsonObject;
    expect(third).not.toBe(second);
    expect((third.credentialSubject as JsonObject).encodedList).not.toBe((second.credentialSubject as JsonObject).encodedList);
    expect(desk.statusList('https://ledger.example/v1/status-lists/none')).toBeUndefined();
  });
});
