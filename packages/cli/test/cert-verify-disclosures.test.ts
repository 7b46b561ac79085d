/**
 * `dataledger cert verify FILE --disclosures FILE`: a certificate of an asset whose holder name
 * and valuation are concealed (SD-JWT digests, RFC 9901 §4.2), checked by the real bin with the
 * disclosures its holder chose to show; a changed or foreign disclosure exits 1 with its code.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyRecord,
  concealPayload,
  disclosureMap,
  emptyRegistryState,
  issueCertificate,
  prepareCertificate,
  statusListCredentialsFromState,
  type OpenedDisclosure,
  type RegistryState,
} from '@dataledger/certificates';
import { generateKeyPair, didKeyFromPublicKey } from '@dataledger/core';
import { Log, buildRecord, memoryStore } from '@dataledger/provenance';
import { assetPayload } from '../../../test/support/fixtures.ts';
import { runBin, tempDir } from './helpers.ts';

const AT = '2026-06-01T00:00:00Z';
const VALUATION = { amount: '125000.50', currency: 'CNY', method: 'cost' };

interface Actor {
  secretKey: Uint8Array;
  did: string;
}
const newActor = (): Actor => {
  const k = generateKeyPair();
  return { secretKey: k.secretKey, did: didKeyFromPublicKey(k.publicKey) };
};

let dir: string;
let cleanup: () => Promise<void>;
let logKey: string;
let certFile: string;
let listsFile: string;
/** Disclosures of the certified asset and of another one, by member name. */
const mine: Record<string, string> = {};
const other: Record<string, string> = {};

async function write(name: string, text: string): Promise<string> {
  const f = join(dir, name);
  await writeFile(f, text);
  return f;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('dataledger-cert-sd-'));
  const [root, registry, reviewer, holder] = [newActor(), newActor(), newActor(), newActor()];
  const log = await Log.open(memoryStore(), { origin: 'registry.example/cli-sd', logKey: generateKeyPair() });
  logKey = log.verifierKey;
  let state: RegistryState = emptyRegistryState();
  const known = new Map<string, OpenedDisclosure>();
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const submit = async (by: Actor, type: string, payload: object, disclosures: string[] = []) => {
    for (const [digest, d] of disclosureMap(disclosures)) known.set(digest, d);
    clock += 1000;
    const r = buildRecord(log.head(), { type, payload: payload as never, time: new Date(clock).toISOString() }, by);
    state = applyRecord(state, r, { disclosures: known });
    await log.append(r);
    return r;
  };
  const genesis = await submit(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'cli selective disclosure' });
  const grant = await submit(root, 'role.granted', { subject: registry.did, role: 'registry' });
  await submit(root, 'role.granted', { subject: reviewer.did, role: 'reviewer' });
  for (const [rn, into] of [
    ['DA-2026-0201', mine],
    ['DA-2026-0202', other],
  ] as const) {
    const c = concealPayload('asset.registered', { ...assetPayload(rn, holder), description: `Readings of ${rn}` });
    for (const d of disclosureMap(c.disclosures).values()) into[d.name] = d.disclosure;
    await submit(registry, 'asset.registered', c.payload, c.disclosures);
    const review = concealPayload('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    await submit(reviewer, 'asset.reviewed', review.payload, review.disclosures);
  }
  const { subject, payload } = prepareCertificate(state, {
    registrationNumber: 'DA-2026-0201',
    certificateId: 'urn:uuid:7d1f0c3e-2a4b-4c5d-8e6f-9a0b1c2d3e4f',
    statusListIndex: 3,
    revocationList: 'https://registry.example/status/revocation/1',
    suspensionList: 'https://registry.example/status/suspension/1',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
  });
  const issuedRecord = await submit(registry, 'certificate.issued', payload);
  const checkpoint = await log.checkpoint();
  const incl = async (r: typeof genesis) => ({ record: r, proof: await log.inclusionProof(r.index, log.size) });
  const certificate = issueCertificate({
    subject,
    issued: await incl(issuedRecord),
    checkpoint,
    roleEvidence: { genesis: await incl(genesis), grant: await incl(grant) },
    secretKey: registry.secretKey,
  });
  certFile = await write('cert.json', JSON.stringify(certificate));
  const lists = statusListCredentialsFromState(state, {
    secretKey: registry.secretKey,
    validFrom: '2026-01-01T00:00:00Z',
    ttl: 366 * 86_400_000,
    created: '2026-01-01T00:00:00Z',
  });
  listsFile = await write('status-lists.json', JSON.stringify(lists));
}, 60_000);

afterAll(async () => {
  await cleanup();
});

type Out = {
  verified: boolean;
  checks: { name: string; ok: boolean; code?: string }[];
  revealed: Record<string, unknown> | null;
  disclosed: { path: string; value: unknown }[];
  concealed: number;
};
const verify = (extra: string[]) => runBin(['cert', 'verify', certFile, '--log-key', logKey, '--status-list', listsFile, '--at', AT, ...extra]);

describe('dataledger cert verify --disclosures', () => {
  it('exits 0 without disclosures: the holder name and valuation stay concealed', async () => {
    const r = await verify(['--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.verified).toBe(true);
    expect(out.checks.map((c) => c.name)).not.toContain('disclosures');
    // The verdict alone, as the service's verification route gives it.
    expect(Object.keys(out).sort()).toEqual(['checks', 'status', 'verified']);
    const text = await verify([]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('2 member(s) concealed');
    expect(text.stdout).not.toContain('disclosed');
  });

  it('shows the disclosed valuation (--json and text), the holder name still concealed', async () => {
    const file = await write('valuation.txt', `# the valuation only\n\n${mine.valuation}\n`);
    const r = await verify(['--disclosures', file, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.checks).toContainEqual({ name: 'disclosures', ok: true });
    expect(out.revealed?.['valuation']).toEqual(VALUATION);
    expect(out.disclosed).toEqual([expect.objectContaining({ path: 'valuation', value: VALUATION })]);
    expect(out.concealed).toBe(1);
    const text = await verify(['--disclosures', file]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/ok {3}disclosures/);
    expect(text.stdout).toContain('disclosed valuation: {"amount":"125000.50","currency":"CNY","method":"cost"}');
    expect(text.stdout).toContain('1 member(s) concealed');
  });

  it('exits 1 with DISCLOSURE_FOREIGN for a changed disclosure, one of another asset, one of a member the certificate does not state', async () => {
    const decoded = Buffer.from(mine.valuation as string, 'base64url').toString('utf8');
    const changed = Buffer.from(decoded.replace('125000.50', '125000.51'), 'utf8').toString('base64url');
    for (const d of [changed, other.valuation as string, mine.description as string]) {
      // Beside a good one: the whole set is refused, not the bad line alone.
      const r = await verify(['--disclosures', await write('bad.txt', `${mine.name}\n${d}\n`), '--json']);
      expect(r.status, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout) as Out;
      expect(out.verified).toBe(false);
      expect(out.checks).toContainEqual(expect.objectContaining({ name: 'disclosures', ok: false, code: 'DISCLOSURE_FOREIGN' }));
    }
    const text = await verify(['--disclosures', join(dir, 'bad.txt')]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/FAIL disclosures: DISCLOSURE_FOREIGN/);
  });

  it('exits 2 with DISCLOSURE_MALFORMED and the line for a line that is not a disclosure', async () => {
    const file = await write('malformed.txt', `${mine.valuation}\n# a comment\nnot a disclosure!\n`);
    const r = await verify(['--disclosures', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DISCLOSURE_MALFORMED: line 3/);
  });
});
