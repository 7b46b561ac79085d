/**
 * Registry gaps found by the forger (issue "One strict path for every record", B10), each
 * against the contract:
 * - DESIGN.md: "cancelling an asset revokes its certificates" (and the status list follows);
 * - only the current holder licenses: the previous holder's licences end at a transfer, unless
 *   the transfer keeps them, and then the new holder can revoke them;
 * - a `certificate.issued` commits to the asset as the registry knows it (its subject hash);
 * - the issuer must hold the `registry` role at issuance, revocations included.
 */
import { describe, expect, it } from 'vitest';
import { certificateSubject, statusListsFromState, subjectHash, type RegistryState } from '../src/index.ts';
import { Ledger, assetPayload, codeOf, bank, hex, holderA, holderB, licencePayload, registry, regulator, reviewer, root, withRoles } from './fixtures.ts';

const REV = 'https://registry.example/status/revocation';
const SUS = 'https://registry.example/status/suspension';

function world(): Ledger {
  const l = withRoles(new Ledger());
  l.add(registry, 'asset.registered', assetPayload('GAP-1', holderA));
  l.add(reviewer, 'asset.reviewed', { registrationNumber: 'GAP-1', outcome: 'approved', opinion: 'ok' });
  return l;
}

function issue(l: Ledger, n: number, extra: Record<string, unknown> = {}): string {
  const id = `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  l.add(registry, 'certificate.issued', {
    certificateId: id,
    registrationNumber: 'GAP-1',
    statusListIndex: n,
    revocationList: REV,
    suspensionList: SUS,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    subjectHash: subjectHash(certificateSubject(l.state.assets.get('GAP-1')!)),
    ...extra,
  });
  return id;
}

const revokedBit = (s: RegistryState, n: number): boolean => statusListsFromState(s).get(REV)!.list.get(n);

describe('cancelling an asset revokes its certificates', () => {
  it('every certificate of the asset is revoked, and the revocation list says so', () => {
    const l = world();
    const a = issue(l, 1);
    const b = issue(l, 2);
    l.add(registry, 'certificate.suspended', { certificateId: b, reason: 'r' });
    expect(revokedBit(l.state, 1)).toBe(false);
    l.add(regulator, 'asset.cancelled', { registrationNumber: 'GAP-1', reason: 'withdrawn' });
    expect(l.state.certificates.get(a)?.status).toBe('revoked');
    expect(l.state.certificates.get(b)?.status).toBe('revoked');
    expect(revokedBit(l.state, 1)).toBe(true);
    expect(revokedBit(l.state, 2)).toBe(true);
    // and nothing reinstates them
    expect(codeOf(() => l.add(registry, 'certificate.reinstated', { certificateId: b, reason: 'r' }))).toBe('REGISTRY_CERTIFICATE_STATUS');
  });
});

describe('licences at a transfer', () => {
  it("the previous holder's licences (and their sub-licences) end with its holding", () => {
    const l = world();
    l.add(holderA, 'licence.granted', licencePayload('LIC-1', 'GAP-1', bank, { sublicensable: true }));
    l.add(bank, 'licence.granted', licencePayload('LIC-1a', 'GAP-1', holderB, { parentLicenceId: 'LIC-1' }));
    l.add(holderA, 'asset.transferred', { registrationNumber: 'GAP-1', to: { id: holderB.did, foreign: false } });
    expect(l.state.licences.get('LIC-1')?.status).toBe('ended');
    expect(l.state.licences.get('LIC-1a')?.status).toBe('ended');
    // the new holder licenses afresh
    l.add(holderB, 'licence.granted', licencePayload('LIC-2', 'GAP-1', bank));
    expect(l.state.licences.get('LIC-2')?.status).toBe('active');
  });

  it('a transfer that keeps them leaves them active, and the new holder may revoke them', () => {
    const l = world();
    l.add(holderA, 'licence.granted', licencePayload('LIC-1', 'GAP-1', bank));
    l.add(holderA, 'asset.transferred', { registrationNumber: 'GAP-1', to: { id: holderB.did, foreign: false }, keepLicences: true });
    expect(l.state.licences.get('LIC-1')?.status).toBe('active');
    l.add(holderB, 'licence.revoked', { licenceId: 'LIC-1', reason: 'new holder' });
    expect(l.state.licences.get('LIC-1')?.status).toBe('revoked');
  });

  it('nobody else may revoke a licence: a licensee, a stranger holder', () => {
    const l = world();
    l.add(holderA, 'licence.granted', licencePayload('LIC-1', 'GAP-1', bank));
    // bank holds the holder role but neither granted LIC-1 nor holds GAP-1
    expect(codeOf(() => l.add(bank, 'licence.revoked', { licenceId: 'LIC-1', reason: 'x' }))).toBe('REGISTRY_UNAUTHORISED');
    expect(codeOf(() => l.add(holderB, 'licence.revoked', { licenceId: 'LIC-1', reason: 'x' }))).toBe('REGISTRY_UNAUTHORISED');
  });
});

describe('certificate.issued commits to the asset state', () => {
  it('a subject hash that is not the asset subject is refused', () => {
    const l = world();
    expect(codeOf(() => issue(l, 1, { subjectHash: hex(7) }))).toBe('REGISTRY_SUBJECT_MISMATCH');
    // a subject of the asset before its valuation changed is stale as well
    const before = subjectHash(certificateSubject(l.state.assets.get('GAP-1')!));
    l.add(root, 'role.granted', { subject: holderB.did, role: 'appraiser' });
    l.add(holderB, 'asset.valued', { registrationNumber: 'GAP-1', valuation: { amount: '1.00', currency: 'CNY', method: 'cost' } });
    expect(codeOf(() => issue(l, 2, { subjectHash: before }))).toBe('REGISTRY_SUBJECT_MISMATCH');
    expect(issue(l, 3)).toMatch(/^urn:uuid:/);
  });
});

describe('the issuer holds its role at issuance, revocations included', () => {
  it('a registry whose role was revoked cannot issue; granted again, it can', () => {
    const l = world();
    l.add(root, 'role.revoked', { subject: registry.did, role: 'registry' });
    expect(codeOf(() => issue(l, 1))).toBe('REGISTRY_UNAUTHORISED');
    l.add(root, 'role.granted', { subject: registry.did, role: 'registry' });
    expect(issue(l, 1)).toMatch(/^urn:uuid:/);
    // the role evidence a certificate carries is the grant in force, after the revocation
    const grant = l.state.roleGrants.get(`${registry.did}|registry`)!;
    expect(l.records[grant]).toMatchObject({ type: 'role.granted', payload: { subject: registry.did, role: 'registry' } });
    expect(grant).toBeGreaterThan(l.records.findIndex((r) => r.type === 'role.revoked'));
  });
});
