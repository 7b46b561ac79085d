/**
 * What the service must refuse or hold under a hostile client, over real HTTP on a LevelDB
 * ledger: cosignatures only from the configured witnesses (C2SP tlog-cosignature), signed reads
 * that cannot be replayed and are bound to the configured public URL (RFC 9421 §7.2.2, §7.2.6),
 * deterministic receipts (RFC 9162 inclusion at size index + 1), honest writers that finish
 * under a flood of junk records, and per-client rate limits on the log reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpbis } from 'http-message-signatures';
import { didKeyFromPublicKey, fromBase64, sign } from '@dataledger/core';
import {
  buildRecord,
  cosignCheckpoint,
  cosignerVerifierKey,
  openCheckpoint,
  recordLeafHash,
  verifyCosignature,
  verifyInclusion,
  type LedgerRecord,
} from '@dataledger/provenance';
import { DataLedgerClient, signRequest } from '@dataledger/service';
import { grantRoles, newActor, startServer, tempDataDir, type Actor, type RoleName, type Server } from './support/http-ledger.ts';
import { codeOf } from './support/codes.ts';

const servers: Server[] = [];
async function serve(dir?: string, options: Parameters<typeof startServer>[1] = {}): Promise<Server> {
  const s = await startServer(dir, options);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.destroy().catch(() => {});
});

async function problem(res: Response): Promise<{ status: number; code: string | undefined }> {
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: body.code };
}

describe('witness cosignatures (B4)', () => {
  const w1 = newActor();
  const w2 = newActor();
  const k1 = cosignerVerifierKey('witness.example/w1', w1.publicKey);
  const k2 = cosignerVerifierKey('witness.example/w2', w2.publicKey);
  const cosign = (note: string, w: Actor, name: string): string => cosignCheckpoint(note, { name, secretKey: w.secretKey });

  it('with no witness configured, every cosignature is refused 403 HTTP_WITNESS_UNKNOWN', async () => {
    const s = await serve();
    const note = await s.client().checkpoint();
    const res = await fetch(`${s.base}/v1/log/cosignatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: cosign(note, w1, 'witness.example/w1'), witnessKey: k1 }),
    });
    expect(await problem(res)).toEqual({ status: 403, code: 'HTTP_WITNESS_UNKNOWN' });
    expect((await s.client().cosignatures()).cosignatures).toEqual([]);
    expect(await s.client().checkpoint()).toBe(note);
  });

  it('only the named witnesses are kept, one each, the newest; 64 strangers evict nobody', async () => {
    const s = await serve(undefined, { witnessKeys: [k1, k2] });
    const c = s.client();
    const note1 = await c.checkpoint();
    expect(await c.addCosignature(cosign(note1, w1, 'witness.example/w1'), k1)).toMatchObject({ witnessKey: k1 });
    // Strangers with valid cosignatures of the real checkpoint: refused, and nothing evicted.
    for (let i = 0; i < 64; i++) {
      const x = newActor();
      const kx = cosignerVerifierKey(`stranger.example/${i}`, x.publicKey);
      expect(await codeOf(c.addCosignature(cosign(note1, x, `stranger.example/${i}`), kx))).toBe('HTTP_WITNESS_UNKNOWN');
    }
    expect((await c.cosignatures()).cosignatures.map((x) => x.witnessKey)).toEqual([k1]);
    expect(verifyCosignature(await c.checkpoint(), k1)).toBe(true);

    // The log grows; w1 cosigns the new tree: that one replaces the old.
    const root = s.client(s.root);
    await root.submit('role.granted', { subject: newActor().did, role: 'holder' });
    const note2 = await c.checkpoint();
    const size2 = openCheckpoint(note2, [s.service.logVerifierKey]).checkpoint.size;
    await c.addCosignature(cosign(note2, w1, 'witness.example/w1'), k1);
    // An older cosignature arriving late is acknowledged but does not replace the newer one.
    await c.addCosignature(cosign(note1, w1, 'witness.example/w1'), k1);
    await c.addCosignature(cosign(note2, w2, 'witness.example/w2'), k2);
    const kept = (await c.cosignatures()).cosignatures;
    expect(kept.map((x) => [x.witnessKey, x.size]).sort()).toEqual(
      [
        [k1, size2],
        [k2, size2],
      ].sort(),
    );
    const served = await c.checkpoint();
    expect(verifyCosignature(served, k1) && verifyCosignature(served, k2)).toBe(true);
  });
});

describe('signed reads (B5)', () => {
  let s: Server;
  let roles: Record<RoleName, Actor>;
  const PUBLIC = 'https://ledger.example.gov.cn';
  beforeAll(async () => {
    s = await serve(undefined, { publicUrl: PUBLIC });
    roles = await grantRoles(s);
  });

  const path = '/v1/supervision/statistics';
  const send = (headers: Record<string, string>): Promise<Response> => fetch(`${s.base}${path}`, { headers });

  it('a signed read is answered once: the same signature again is 401 HTTP_NONCE_REPLAYED', async () => {
    const headers = await signRequest({ method: 'GET', url: `${PUBLIC}${path}`, headers: {} }, roles.regulator);
    expect((await send(headers)).status).toBe(200);
    expect(await problem(await send(headers))).toEqual({ status: 401, code: 'HTTP_NONCE_REPLAYED' });
    // A fresh signature (fresh nonce) is answered.
    expect((await send(await signRequest({ method: 'GET', url: `${PUBLIC}${path}`, headers: {} }, roles.regulator))).status).toBe(200);
  });

  it('a signature without a nonce is 401 HTTP_NONCE_MISSING', async () => {
    const keyid = didKeyFromPublicKey(roles.regulator.publicKey);
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    const signed = await httpbis.signMessage(
      {
        key: { id: keyid, alg: 'ed25519', sign: async (d: Buffer) => Buffer.from(sign(new Uint8Array(d), roles.regulator.secretKey)) },
        fields: ['@method', '@authority', '@path', '@query'],
        params: ['created', 'expires', 'keyid', 'alg'],
        paramValues: { created, expires: new Date(created.getTime() + 60_000) },
      },
      { method: 'GET', url: `${PUBLIC}${path}`, headers: {} },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    expect(await problem(await send(headers))).toEqual({ status: 401, code: 'HTTP_NONCE_MISSING' });
  });

  it('the signed authority is the configured public URL, not the Host header', async () => {
    // Signed for the address the request was actually sent to: refused.
    const forHost = await signRequest({ method: 'GET', url: `${s.base}${path}`, headers: {} }, roles.regulator);
    expect(await problem(await send(forHost))).toEqual({ status: 401, code: 'HTTP_SIGNATURE_INVALID' });
    // A Host header naming the public authority does not help a signature for another one.
    const forOther = await signRequest({ method: 'GET', url: `https://other.example${path}`, headers: {} }, roles.regulator);
    expect((await fetch(`${s.base}${path}`, { headers: { ...forOther } })).status).toBe(401);
  });

  it('DataLedgerClient sends a fresh nonce with every signed read', async () => {
    const s2 = await serve();
    const r2 = await grantRoles(s2);
    // Record what goes on the wire: each request's Signature-Input nonce (RFC 9421 §2.3) and status.
    const seen: { nonce: string | undefined; status: number }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const sigInput = new Headers(init?.headers).get('signature-input') ?? '';
      const res = await fetch(input, init);
      seen.push({ nonce: /;nonce="([^"]*)"/.exec(sigInput)?.[1], status: res.status });
      return res;
    };
    const client = new DataLedgerClient({ baseUrl: s2.base, signer: r2.regulator, fetch: recording });
    for (let i = 0; i < 3; i++) await client.statisticsReport();
    expect(seen.map((x) => x.status)).toEqual([200, 200, 200]);
    expect(seen.every((x) => x.nonce !== undefined && x.nonce.length > 0)).toBe(true);
    expect(new Set(seen.map((x) => x.nonce)).size).toBe(3);
  });
});

describe('deterministic receipts (B12)', () => {
  it('the same record posted again, after a restart too, gets a byte-identical receipt at size index + 1', async () => {
    let s = await serve(tempDataDir());
    const dir = s.dir;
    const record = buildRecord(s.service.log.head(), { type: 'role.granted', payload: { subject: newActor().did, role: 'holder' } }, s.root);
    const post = async (srv: Server): Promise<string> => {
      const res = await fetch(`${srv.base}/v1/roles/grant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) });
      expect(res.status).toBe(200);
      return res.text();
    };
    const first = await post(s);
    const receipt = JSON.parse(first) as { index: number; leafHash: string; treeSize: number; inclusionProof: string[]; checkpoint: string };
    expect(receipt.treeSize).toBe(record.index + 1);
    const { checkpoint } = openCheckpoint(receipt.checkpoint, [s.service.logVerifierKey]);
    expect(checkpoint.size).toBe(record.index + 1);
    expect(
      verifyInclusion({
        leafHash: recordLeafHash(record),
        index: record.index,
        treeSize: receipt.treeSize,
        proof: receipt.inclusionProof.map((h) => fromBase64(h)),
        root: checkpoint.rootHash,
      }),
    ).toBe(true);
    // The log grows past it; the answer does not change.
    const root = s.client(s.root);
    for (let i = 0; i < 5; i++) await root.submit('role.granted', { subject: newActor().did, role: 'holder' });
    expect(await post(s)).toBe(first);
    const size = s.service.size;
    await s.stop();
    s = await serve(dir);
    expect(await post(s)).toBe(first);
    expect(s.service.size).toBe(size);
  });
});

describe('junk records do not stall honest writers (B3)', () => {
  it('five racing writers under 400 unsigned or unauthorised records finish within 5 s', async () => {
    const s = await serve();
    const head = s.service.log.head();
    const stranger = newActor();
    // Junk behind the head, where losers of a race wait: half with no valid signature, half
    // validly signed by someone who holds no role.
    const junk: LedgerRecord[] = Array.from({ length: 400 }, (_, i) => {
      const r = buildRecord({ ...head, size: 1 } as never, { type: 'asset.registered', payload: { n: i } as never }, stranger);
      return i % 2 === 0 ? { ...r, sig: 'A'.repeat(86) } : r;
    });
    const writers = Array.from({ length: 5 }, () => new DataLedgerClient({ baseUrl: s.base, signer: s.root, maxRetries: 200 }));
    const t0 = Date.now();
    const flood = junk.map(async (r) => {
      const res = await fetch(`${s.base}/v1/assets/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
      return res.status;
    });
    const honest = writers.map(async (w) => {
      for (let i = 0; i < 3; i++) await w.submit('role.granted', { subject: newActor().did, role: 'holder' });
      return Date.now() - t0;
    });
    const times = await Promise.all(honest);
    const statuses = await Promise.all(flood);
    expect(Math.max(...times)).toBeLessThan(5000);
    expect(statuses.every((st) => st >= 400 && st < 500)).toBe(true);
    expect(s.service.size).toBe(head.size + 15);
  }, 60_000);

  it('a role holder cannot park more than a few stale records: the rest are answered at once', async () => {
    const s = await serve();
    const before = s.service.log.head();
    await s.client(s.root).submit('role.granted', { subject: newActor().did, role: 'holder' });
    // 100 validly signed, stale records by the root: a few wait their turn, the rest are told at once to re-sign.
    const stale = Array.from({ length: 100 }, () =>
      buildRecord(before, { type: 'role.granted', payload: { subject: newActor().did, role: 'holder' } }, s.root),
    );
    const t0 = Date.now();
    const codes = await Promise.all(stale.map((r) => codeOf(s.client(s.root).submitRecord(r))));
    expect(codes.every((c) => c === 'LEDGER_INDEX_MISMATCH')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('rate limits of the log reads (B13)', () => {
  it('entries, proofs and export are limited per client with 429 HTTP_RATE_LIMITED; the checkpoint is not', async () => {
    const s = await serve(undefined, {
      logReadRateLimit: { entries: { max: 3, timeWindow: 60_000 }, proofs: { max: 2, timeWindow: 60_000 }, export: { max: 1, timeWindow: 60_000 } },
    });
    const get = async (p: string): Promise<{ status: number; code: string | undefined }> => {
      const res = await fetch(`${s.base}${p}`);
      const text = await res.text();
      return { status: res.status, code: res.status === 200 ? undefined : (JSON.parse(text) as { code: string }).code };
    };
    // Each limited route counts its own requests, per client.
    for (const [p, max] of [
      ['/v1/log/entries?start=0&end=1', 3],
      ['/v1/log/entries/0', 3],
      ['/v1/log/proof/inclusion?index=0', 2],
      ['/v1/log/proof/consistency?size1=1', 2],
      ['/v1/log/export', 1],
    ] as const) {
      for (let i = 0; i < max; i++) expect((await get(p)).status, p).toBe(200);
      expect(await get(p), p).toEqual({ status: 429, code: 'HTTP_RATE_LIMITED' });
    }
    for (let i = 0; i < 10; i++) expect((await get('/v1/log/checkpoint')).status).toBe(200);
  });

  it('the defaults limit export (30 a minute) and `false` switches the limits off', async () => {
    const limited = await serve();
    // Read each body to the end so the server sees the request finish before the next one.
    const drained = async (r: Response): Promise<Response> => {
      await r.arrayBuffer();
      return r;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await fetch(`${limited.base}/v1/log/export`).then(drained)).status);
    expect(statuses.slice(0, 30).every((x) => x === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    const open = await serve(undefined, { logReadRateLimit: false });
    for (let i = 0; i < 40; i++) expect((await fetch(`${open.base}/v1/log/export`).then(drained)).status).toBe(200);
  });
});
