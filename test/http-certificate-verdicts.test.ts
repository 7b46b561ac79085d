/**
 * One corpus, two verifiers, one verdict (issue "In its users' hands", item 4): certificates
 * issued through the HTTP service are checked by `POST /v1/certificates/verify` and by
 * `dataledger cert verify CERT --log-key K --status-list URL|FILE` (the real bin, fetching the
 * status lists the service serves), and both answer the same `verified`, `status` and
 * check codes. Real service on 127.0.0.1, LevelDB in a temp dir, a second service for the
 * foreign ledger.
 *
 * Expected outcomes come from the contract: DESIGN.md (evidence, status lists, trusted log
 * keys only), W3C Bitstring Status List v1.0 (a set bit is revoked/suspended; a list signed by
 * someone the verifier does not trust is not evidence), VC Data Integrity (a changed member
 * breaks the proof).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { signStatusListCredential, type DataAssetCertificate, type RegistryState } from '@dataledger/certificates';
import { runBin } from '../packages/cli/test/helpers.ts';
import { grantRoles, registeredAsset, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let a: Server;
let b: Server;
let rolesA: Record<RoleName, Actor>;
let rolesB: Record<RoleName, Actor>;
const corpus = new Map<string, { certificate: unknown; statusListFile?: string; body?: unknown }>();

type Verdict = { verified: boolean; status?: string; checks: { name: string; ok: boolean; code?: string }[] };
const failed = (v: Verdict): string[] => v.checks.filter((c) => !c.ok).map((c) => `${c.name}:${c.code}`);

async function issue(s: Server, roles: Record<RoleName, Actor>): Promise<DataAssetCertificate> {
  const rn = await registeredAsset(s, roles);
  const { certificate } = await s
    .client(roles.registry)
    .issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
  return certificate;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startServer(), startServer()]);
  [rolesA, rolesB] = await Promise.all([grantRoles(a), grantRoles(b)]);

  const valid = await issue(a, rolesA);
  corpus.set('valid', { certificate: valid });
  const revoked = await issue(a, rolesA);
  await a.client(rolesA.regulator).submit('certificate.revoked', { certificateId: revoked.id as string, reason: 'source withdrawn' });
  corpus.set('revoked', { certificate: revoked });
  const suspended = await issue(a, rolesA);
  await a.client(rolesA.registry).submit('certificate.suspended', { certificateId: suspended.id as string, reason: 'under investigation' });
  corpus.set('suspended', { certificate: suspended });
  const tampered = structuredClone(valid) as unknown as { credentialSubject: Record<string, unknown> };
  tampered.credentialSubject['rowCount'] = 9_999_999;
  corpus.set('tampered subject', { certificate: tampered });
  corpus.set('foreign ledger', { certificate: await issue(b, rolesB) });
  // The valid certificate with status lists signed by a key nobody trusts.
  const stranger = generateKeyPair();
  const at = new Date().toISOString();
  const strangerLists = (valid.credentialStatus as { statusListCredential: string }[]).map((e) =>
    signStatusListCredential(a.service.registry() as RegistryState, e.statusListCredential, { secretKey: stranger.secretKey, validFrom: at }),
  );
  const file = join(a.dir, '..', 'stranger-lists.json');
  await writeFile(file, JSON.stringify(strangerLists));
  corpus.set('status list signed by a stranger', { certificate: valid, statusListFile: file, body: { certificate: valid, statusList: strangerLists } });
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
});

async function viaRoute(name: string): Promise<Verdict> {
  const c = corpus.get(name)!;
  return a.client().verifyCertificate(c.body ?? c.certificate);
}

async function viaCli(name: string): Promise<{ exit: number | null; verdict: Verdict }> {
  const c = corpus.get(name)!;
  const file = join(a.dir, '..', `${name.replaceAll(' ', '-')}.json`);
  await writeFile(file, JSON.stringify(c.certificate));
  const r = await runBin(['cert', 'verify', file, '--log-key', a.service.logVerifierKey, '--status-list', c.statusListFile ?? a.base, '--json']);
  expect(r.stderr).not.toMatch(/Error|error:/);
  const verdict = JSON.parse(r.stdout) as Verdict;
  return {
    exit: r.status,
    verdict: { ...verdict, checks: verdict.checks.map(({ name: n, ok, code }) => ({ name: n, ok, ...(code === undefined ? {} : { code }) })) },
  };
}

/** What the contract says each case must give: the verdict, the status and the failing checks. */
const EXPECTED: Record<string, { verified: boolean; status: string; failing: string[] | ((f: string[]) => void) }> = {
  valid: { verified: true, status: 'active', failing: [] },
  revoked: { verified: false, status: 'revoked', failing: ['status:CERT_STATUS_REVOKED'] },
  suspended: { verified: false, status: 'suspended', failing: ['status:CERT_STATUS_SUSPENDED'] },
  'tampered subject': {
    verified: false,
    status: 'active',
    failing: (f) => expect(f).toEqual(expect.arrayContaining(['proof:CERT_PROOF_INVALID', 'record:CERT_EVIDENCE_MISMATCH'])),
  },
  'foreign ledger': {
    verified: false,
    status: 'unchecked',
    failing: ['checkpoint:CERT_CHECKPOINT_UNTRUSTED', 'issuer:CERT_ISSUER_UNTRUSTED', 'status:CERT_STATUS_UNAVAILABLE'],
  },
  'status list signed by a stranger': { verified: false, status: 'unknown', failing: ['status:STATUS_VERIFICATION'] },
};

describe('POST /v1/certificates/verify and dataledger cert verify agree', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(name, async () => {
      const [route, cli] = await Promise.all([viaRoute(name), viaCli(name)]);
      const want = EXPECTED[name]!;
      // the contract
      expect(route.verified).toBe(want.verified);
      if (typeof want.failing === 'function') want.failing(failed(route));
      else expect(failed(route)).toEqual(want.failing);
      // the two verifiers
      expect(cli.verdict).toEqual(route);
      expect(cli.exit).toBe(want.verified ? 0 : 1);
      expect(route.status).toBe(want.status);
    });
  }

  it('one list URL of the service brings the other list too; an unreachable service is exit 2', async () => {
    const c = corpus.get('revoked')!.certificate as { credentialStatus: { statusPurpose: string; statusListCredential: string }[] };
    const file = join(a.dir, '..', 'revoked-by-url.json');
    await writeFile(file, JSON.stringify(c));
    const revUrl = c.credentialStatus.find((e) => e.statusPurpose === 'revocation')!.statusListCredential;
    const r = await runBin(['cert', 'verify', file, '--log-key', a.service.logVerifierKey, '--status-list', revUrl, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: false, status: 'revoked' });
    const down = await runBin([
      'cert',
      'verify',
      file,
      '--log-key',
      a.service.logVerifierKey,
      '--status-list',
      'http://127.0.0.1:9/v1/status-lists/revocation-1',
    ]);
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(/CLI_HTTP_ERROR|ECONNREFUSED/);
  });
});
