/**
 * What two instances of one PostgreSQL log share beside it (`openService({ database })` twice,
 * the same keys, each served over HTTP on 127.0.0.1): a certificate published through one is
 * served byte for byte by the other and guarded against a conflicting upload there; a witness
 * cosignature posted to one is listed (and served with the checkpoint) by the other; a signed
 * read answered by one is refused 401 HTTP_NONCE_REPLAYED when replayed on the other
 * (RFC 9421 §7.2.2). Closing the services leaves the shared rows in the database.
 */
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '@dataledger/core';
import { cosignCheckpoint, cosignerVerifierKey, verifyCosignature } from '@dataledger/provenance';
import { issueCertificate, prepareCertificate, type RegistryState } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, sharedNonceStore, signRequest } from '@dataledger/service';
import { openPostgresShared } from '@dataledger/store-postgres';
import { testDatabase, type TestDatabase } from '../packages/store-postgres/test/support/postgres.ts';
import { codeOf } from './support/codes.ts';
import {
  assetPayload,
  newActor,
  newRegistrationNumber,
  resignedCertificate,
  ROLE_NAMES,
  tempDataDir,
  type Actor,
  type RoleName,
} from './support/http-ledger.ts';
import { copyLedgerKeys, startInstance, type Instance } from './support/cluster.ts';

/** Both instances answer under one public URL, as behind one load balancer: a signed read covers its authority. */
const PUBLIC = 'https://ledger.example.gov.cn';
const witness = newActor();
const WITNESS_NAME = 'witness.example/w1';
const WITNESS_KEY = cosignerVerifierKey(WITNESS_NAME, witness.publicKey);

let db: TestDatabase;
let a: Instance;
let b: Instance;
let roles: Record<RoleName, Actor>;
const running: Instance[] = [];

const start = (dataDir: string): Promise<Instance> =>
  startInstance(dataDir, db.url, { publicUrl: PUBLIC, witnessKeys: [WITNESS_KEY], logReadRateLimit: false }, running);

const client = (inst: Instance, signer?: Actor | { secretKey: Uint8Array }): DataLedgerClient =>
  new DataLedgerClient({ baseUrl: inst.base, publicUrl: PUBLIC, ...(signer === undefined ? {} : { signer }) });

/** One statement on a connection of its own (what the test reads behind the instances). */
const sql = <T extends pg.QueryResultRow>(text: string): Promise<T[]> => db.query<T>(text);

/** Waits until `b` has caught up with `a`'s log (its registry too). */
async function caughtUp(): Promise<void> {
  const until = Date.now() + 10_000;
  while (b.service.size !== a.service.size) {
    if (Date.now() > until) throw new Error(`the second instance is at ${b.service.size}, the first at ${a.service.size}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  db = await testDatabase('service_cluster_shared');
  const dirA = tempDataDir();
  const dirB = join(dirname(dirA), 'b');
  a = await start(dirA);
  await copyLedgerKeys(dirA, dirB);
  b = await start(dirB);
  const root = { secretKey: a.service.rootAuthority.secretKey as Uint8Array };
  roles = {} as Record<RoleName, Actor>;
  for (const r of ROLE_NAMES) roles[r] = newActor();
  await client(a, root).submitBatch(ROLE_NAMES.map((role) => ({ type: 'role.granted', payload: { subject: roles[role].did, role } })));
  await caughtUp();
}, 120_000);
afterAll(async () => {
  for (const i of running) await i.stop().catch(() => undefined);
  await db?.drop();
});

describe('two instances of one PostgreSQL log share what they keep beside it', () => {
  it('a certificate published through one is served byte for byte by the other, which refuses another under its id', async () => {
    const rn = newRegistrationNumber();
    await client(a, roles.registry).submit('asset.registered', assetPayload(rn, roles.holder) as never);
    await client(a, roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    const { certificate } = await client(a, roles.registry).issueCertificate({
      registrationNumber: rn,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
    });
    const id = certificate.id as string;
    const path = `/v1/certificates/${encodeURIComponent(id)}`;
    const fromA = await fetch(`${a.base}${path}`);
    const fromB = await fetch(`${b.base}${path}`);
    expect([fromA.status, fromB.status]).toEqual([200, 200]);
    const textA = await fromA.text();
    expect(await fromB.text()).toBe(textA);
    expect(JSON.parse(textA)).toEqual(certificate);
    // Kept in the shared table, not in either data directory.
    const rows = await sql<{ id: string; body: string }>(`SELECT id, body FROM dataledger.certificates`);
    expect(rows).toEqual([{ id, body: textA }]);

    // Through the other instance: the same again is 200 (already published), another
    // signature under the id is 409 CERT_CONFLICT, and the first stays.
    await caughtUp();
    const put = (inst: Instance, body: unknown): Promise<Response> =>
      fetch(`${inst.base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put(b, certificate)).status).toBe(200);
    const resigned = resignedCertificate(certificate, roles.registry.secretKey, '2026-02-02T00:00:00Z');
    const conflict = await put(b, resigned);
    expect([conflict.status, ((await conflict.json()) as { code: string }).code]).toEqual([409, 'CERT_CONFLICT']);
    expect(await (await fetch(`${a.base}${path}`)).text()).toBe(textA);
    // An id never published is 404 on both.
    expect(await codeOf(client(b).getCertificate('urn:uuid:never-published'))).toBe('HTTP_NOT_FOUND');
  });

  it('two certificates under one id uploaded to both instances at once: one is published, the other 409 CERT_CONFLICT', async () => {
    const rn = newRegistrationNumber();
    await client(a, roles.registry).submit('asset.registered', assetPayload(rn, roles.holder) as never);
    await client(a, roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    const { subject, payload } = prepareCertificate(a.service.registry() as RegistryState, {
      registrationNumber: rn,
      certificateId: `urn:uuid:${crypto.randomUUID()}`,
      ...(await client(a).statusListSlots()).next,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
    });
    const receipt = await client(a, roles.registry).submit('certificate.issued', payload as never);
    await caughtUp();
    const id = payload.certificateId;
    const path = `/v1/certificates/${encodeURIComponent(id)}`;
    const ev = (await (await fetch(`${a.base}${path}/role-evidence?treeSize=${receipt.treeSize}`)).json()) as {
      genesis: { record: never; proof: string[] };
      grant: { record: never; proof: string[] };
    };
    const proofOf = (p: string[]): Uint8Array[] => p.map((h) => fromBase64(h));
    // Two signatures of one certificate (another proof time): two different texts under one id.
    const signed = ['2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'].map((created) =>
      issueCertificate({
        subject,
        issued: { record: receipt.record, proof: proofOf(receipt.inclusionProof) },
        checkpoint: receipt.checkpoint,
        roleEvidence: {
          genesis: { record: ev.genesis.record, proof: proofOf(ev.genesis.proof) },
          grant: { record: ev.grant.record, proof: proofOf(ev.grant.proof) },
        },
        secretKey: roles.registry.secretKey,
        created,
      }),
    );
    const put = (inst: Instance, body: unknown): Promise<Response> =>
      fetch(`${inst.base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answers = await Promise.all([put(a, signed[0]), put(b, signed[1])]);
    const outcomes = await Promise.all(answers.map(async (r) => [r.status, r.status === 409 ? ((await r.json()) as { code: string }).code : 'ok']));
    expect(outcomes.map((o) => o.join(' ')).sort()).toEqual(['201 ok', '409 CERT_CONFLICT']);
    // Both instances serve the one that was published.
    const winner = signed[answers.findIndex((r) => r.status === 201)];
    expect(JSON.parse(await (await fetch(`${b.base}${path}`)).text())).toEqual(winner);
    expect(await (await fetch(`${a.base}${path}`)).text()).toBe(await (await fetch(`${b.base}${path}`)).text());
  });

  it('a cosignature posted to one is listed by the other and served with its checkpoint', async () => {
    await caughtUp();
    const note = await client(a).checkpoint();
    expect(await client(b).checkpoint()).toBe(note);
    expect((await client(b).cosignatures()).cosignatures).toEqual([]);
    const cosigned = cosignCheckpoint(note, { name: WITNESS_NAME, secretKey: witness.secretKey });
    expect(await client(a).addCosignature(cosigned, WITNESS_KEY)).toMatchObject({ witnessKey: WITNESS_KEY });
    const listed = (await client(b).cosignatures()).cosignatures;
    expect(listed).toEqual([{ witnessKey: WITNESS_KEY, size: a.service.size, note: cosigned }]);
    const served = await client(b).checkpoint();
    expect(verifyCosignature(served, WITNESS_KEY)).toBe(true);

    // The log grows; the witness cosigns the new tree through B; a late older one through A keeps the newer.
    await client(b, { secretKey: b.service.rootAuthority.secretKey as Uint8Array }).submit('role.granted', { subject: newActor().did, role: 'holder' });
    await caughtUp();
    const note2 = await client(b).checkpoint();
    await client(b).addCosignature(cosignCheckpoint(note2, { name: WITNESS_NAME, secretKey: witness.secretKey }), WITNESS_KEY);
    await client(a).addCosignature(cosigned, WITNESS_KEY);
    expect((await client(a).cosignatures()).cosignatures.map((c) => c.size)).toEqual([b.service.size]);
    expect(verifyCosignature(await client(a).checkpoint(), WITNESS_KEY)).toBe(true);
  });

  it('an instance serves no cosignature of a witness it is not configured with, though another instance kept it', async () => {
    await caughtUp();
    const note = await client(a).checkpoint();
    await client(a).addCosignature(cosignCheckpoint(note, { name: WITNESS_NAME, secretKey: witness.secretKey }), WITNESS_KEY);
    expect((await client(b).cosignatures()).cosignatures).toHaveLength(1);
    // The same shared table behind an app whose operator dropped (or never named) that witness.
    const other = newActor();
    const app = await buildApp({
      service: b.service,
      publicUrl: PUBLIC,
      witnessKeys: [cosignerVerifierKey('witness.example/w2', other.publicKey)],
      logReadRateLimit: false,
    });
    try {
      const listed = await app.inject({ method: 'GET', url: '/v1/log/cosignatures' });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ cosignatures: [] });
      const served = await app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
      // The log's note without the witness's line, which the configured instances add.
      expect(verifyCosignature(await client(a).checkpoint(), WITNESS_KEY)).toBe(true);
      expect(verifyCosignature(served.body, WITNESS_KEY)).toBe(false);
      expect(served.body).not.toContain(WITNESS_NAME);
      expect(note.startsWith(served.body)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('a signed read answered by one is refused 401 HTTP_NONCE_REPLAYED by the other, both ways', async () => {
    await caughtUp();
    const path = '/v1/supervision/statistics';
    const sign = (): Promise<Record<string, string>> => signRequest({ method: 'GET', url: `${PUBLIC}${path}`, headers: {} }, roles.regulator);
    const send = (inst: Instance, headers: Record<string, string>): Promise<Response> => fetch(`${inst.base}${path}`, { headers });
    const problem = async (r: Response): Promise<[number, string]> => [r.status, ((await r.json()) as { code: string }).code];

    const first = await sign();
    expect((await send(a, first)).status).toBe(200);
    expect(await problem(await send(b, first))).toEqual([401, 'HTTP_NONCE_REPLAYED']);
    expect(await problem(await send(a, first))).toEqual([401, 'HTTP_NONCE_REPLAYED']);

    const second = await sign();
    expect((await send(b, second)).status).toBe(200);
    expect(await problem(await send(a, second))).toEqual([401, 'HTTP_NONCE_REPLAYED']);

    // Sent to both at once: exactly one answers.
    const third = await sign();
    const statuses = (await Promise.all([send(a, third), send(b, third)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
    const nonces = await sql<{ n: string }>(`SELECT count(*) AS n FROM dataledger.nonces WHERE forget_at > now()`);
    expect(Number(nonces[0]!.n)).toBeGreaterThanOrEqual(3);
  });
  it('with the nonce table unreachable, a signed read fails closed: 503 with a code, never answered unchecked', async () => {
    await caughtUp();
    const path = '/v1/supervision/statistics';
    const gone = await openPostgresShared({ connectionString: db.url });
    await gone.close();
    const kept = b.service.nonces;
    b.service.nonces = sharedNonceStore(gone.nonces);
    const app = await buildApp({ service: b.service, publicUrl: PUBLIC, witnessKeys: [WITNESS_KEY], logReadRateLimit: false });
    b.service.nonces = kept;
    try {
      const headers = await signRequest({ method: 'GET', url: `${PUBLIC}${path}`, headers: {} }, roles.regulator);
      const r = await app.inject({ method: 'GET', url: path, headers });
      expect([r.statusCode, r.json().code]).toEqual([503, 'STORE_CLOSED']);
      // The same request is answered by an instance whose table is reachable: nothing was claimed.
      expect((await fetch(`${b.base}${path}`, { headers })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
