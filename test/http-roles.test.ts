/**
 * The role × action matrix over HTTP: every lifecycle record type, submitted through its
 * route by a holder of each role (and by an actor with none). DESIGN.md's role table (its copy
 * in support/fixtures.ts) is the expectation; the service adds nothing: a role outside the
 * table gets 403 REGISTRY_UNAUTHORISED and appends nothing; the first role it allows succeeds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCertificate } from '@dataledger/certificates';
import { ROUTE_OF_RECORD_TYPE } from '@dataledger/service';
import {
  assetPayload,
  grantRoles,
  licencePayload,
  newActor,
  newRegistrationNumber,
  registeredAsset,
  ROLE_NAMES,
  startServer,
  type Actor,
  type RoleName,
  type Server,
} from './support/http-ledger.ts';
import { designWriters } from './support/fixtures.ts';

let s: Server;
let roles: Record<RoleName, Actor>;

beforeAll(async () => {
  s = await startServer();
  roles = await grantRoles(s);
});
afterAll(async () => {
  await s.destroy();
});

/** A payload for `type` that passes every rule but the role gate (fixtures made on demand). */
async function payloadFor(type: string): Promise<Record<string, unknown>> {
  switch (type) {
    case 'role.granted':
      return { subject: newActor().did, role: 'exchange' };
    case 'role.revoked': {
      const a = newActor();
      await s.client(s.root).submit('role.granted', { subject: a.did, role: 'exchange' });
      return { subject: a.did, role: 'exchange' };
    }
    case 'asset.registered':
      return assetPayload(newRegistrationNumber(), roles.holder);
    case 'asset.reviewed': {
      const rn = newRegistrationNumber();
      await s.client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder) as never);
      return { registrationNumber: rn, outcome: 'approved', opinion: 'ok' };
    }
    case 'asset.valued':
      return { registrationNumber: await registeredAsset(s, roles), valuation: { amount: '1.00', currency: 'CNY', method: 'cost' } };
    case 'asset.changed':
      return { registrationNumber: await registeredAsset(s, roles), changes: { rowCount: 7 } };
    case 'asset.cancelled':
    case 'asset.frozen':
      return { registrationNumber: await registeredAsset(s, roles), reason: 'matrix' };
    case 'asset.unfrozen': {
      const rn = await registeredAsset(s, roles);
      await s.client(roles.regulator).submit('asset.frozen', { registrationNumber: rn, reason: 'matrix' });
      return { registrationNumber: rn, reason: 'matrix' };
    }
    case 'crossborder.approved':
      return { registrationNumber: await registeredAsset(s, roles), party: newActor().did, purpose: 'research' };
    case 'asset.transferred':
      return { registrationNumber: await registeredAsset(s, roles), to: { id: newActor().did, foreign: false } };
    case 'licence.granted':
      return licencePayload(`LIC-${randomUUID()}`, await registeredAsset(s, roles), newActor());
    case 'licence.revoked': {
      const id = `LIC-${randomUUID()}`;
      await s.client(roles.holder).submit('licence.granted', licencePayload(id, await registeredAsset(s, roles), newActor()) as never);
      return { licenceId: id, reason: 'matrix' };
    }
    case 'certificate.issued':
    case 'certificate.suspended':
    case 'certificate.reinstated':
    case 'certificate.revoked': {
      const rn = await registeredAsset(s, roles);
      const { payload } = prepareCertificate(s.service.registry(), {
        registrationNumber: rn,
        certificateId: `urn:uuid:${randomUUID()}`,
        statusListIndex: s.service.size,
        revocationList: 'https://status.example/rev',
        suspensionList: 'https://status.example/sus',
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2030-01-01T00:00:00Z',
      });
      if (type === 'certificate.issued') return payload as never;
      await s.client(roles.registry).submit('certificate.issued', payload as never);
      if (type === 'certificate.reinstated') {
        await s.client(roles.regulator).submit('certificate.suspended', { certificateId: payload.certificateId, reason: 'matrix' });
      }
      return { certificateId: payload.certificateId, reason: 'matrix' };
    }
    default:
      throw new Error(`no fixture for ${type}`);
  }
}

// Consents are written by the data subject itself (no role), aggregation records by their
// own routes; genesis only at creation; erasures (a regulator, or the data subject of a
// consent) in http-disclosures.test.ts.
const MATRIX_TYPES = Object.keys(ROUTE_OF_RECORD_TYPE).filter((t) => !t.startsWith('consent.') && !t.startsWith('aggregation.') && t !== 'disclosure.erased');

describe('role × action over HTTP', () => {
  it.each(MATRIX_TYPES)('%s', async (type) => {
    const rule = designWriters().get(type);
    if (rule === undefined) throw new Error(`${type}: not in DESIGN.md's role table`);
    const payload = await payloadFor(type);
    const nobody = newActor();
    const candidates: [string, Actor][] = [['none', nobody], ...ROLE_NAMES.map((r) => [r, roles[r]] as [string, Actor]), ['root', s.root]];
    const allowed = (name: string): boolean => (rule.rootAuthority ? name === 'root' : rule.anyOf.includes(name));
    // refused ones first, so the table's first allowed role meets the fixture untouched
    candidates.sort((a, b) => Number(allowed(a[0])) - Number(allowed(b[0])));
    let firstAllowed = true;
    for (const [name, actor] of candidates) {
      const size = s.service.size;
      let code = 'OK';
      try {
        await s.client(actor).submit(type, payload as never);
      } catch (err) {
        code = (err as { code: string }).code;
        expect((err as { details?: { status?: number } }).details?.status, `${type} by ${name}`).toBeLessThan(500);
      }
      if (!allowed(name)) {
        expect(code, `${type} by ${name}`).toBe('REGISTRY_UNAUTHORISED');
        expect(s.service.size, `${type} by ${name}: nothing appended`).toBe(size);
      } else if (firstAllowed) {
        expect(code, `${type} by ${name}`).toBe('OK');
        expect(s.service.size).toBe(size + 1);
        firstAllowed = false;
      } else {
        expect(code, `${type} by ${name}`).not.toBe('REGISTRY_UNAUTHORISED');
      }
    }
    expect(firstAllowed, `${type}: some role may write it`).toBe(false);
  });
});
