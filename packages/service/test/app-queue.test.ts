/**
 * The HTTP app and the append queue over a provenance `Log` on the memory store (real HTTP on 127.0.0.1):
 * health, OpenAPI, docs, problem+json, receipts, duplicates, stale-index 409 and the
 * client's transparent re-signing, group commit of concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { didKeyFromPublicKey, generateKeyPair, toBase64, fromBase64 } from '@dataledger/core';
import { buildRecord, Log, memoryStore, openCheckpoint, verifyInclusion, recordLeafHash, type LedgerRecord } from '@dataledger/provenance';
import { buildApp } from '../src/app.ts';
import { LedgerService } from '../src/service.ts';
import { DataLedgerClient } from '../src/client.ts';
import { codeOf } from '../../../test/support/codes.ts';

const ORIGIN = 'test.example/log';
const logKey = generateKeyPair();
const alice = generateKeyPair();
const regulator = generateKeyPair();
const stranger = generateKeyPair();
let log: Log;
/** How many times the service called `log.appendBatch` (group commit). */
let appendCalls = 0;

/** A log on the memory store whose batches are counted. */
async function memoryLog(): Promise<Log> {
  const l = await Log.open(memoryStore(), { origin: ORIGIN, logKey: { secretKey: logKey.secretKey } });
  const appendBatch = l.appendBatch.bind(l);
  l.appendBatch = (records) => {
    appendCalls++;
    return appendBatch(records);
  };
  return l;
}
let service: LedgerService<number>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  log = await memoryLog();
  // A registry that counts records and refuses payloads marked { refuse: true }.
  service = new LedgerService<number>({
    log,
    origin: ORIGIN,
    apply: (s, r) => {
      if (r.payload['refuse'] === true) throw Object.assign(new Error('no'), { name: 'DataLedgerError', code: 'REGISTRY_UNAUTHORISED' });
      return s + 1;
    },
    state: 0,
    view: () => ({
      rolesOf: (did) => (did === didKeyFromPublicKey(regulator.publicKey) ? ['regulator'] : did === didKeyFromPublicKey(alice.publicKey) ? ['holder'] : []),
      asset: (id) => (id === 'A-1' ? { registrationNumber: 'A-1' } : undefined),
      licence: () => undefined,
      certificate: (id) => (id === 'C-1' ? { id: 'C-1' } : undefined),
      statistics: () => ({ assets: 1 }),
    }),
  });
  app = await buildApp({ service, verifyRateLimit: { max: 5, timeWindow: 60_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
});
afterAll(async () => {
  await app.close();
  await service.close();
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function next(type = 'asset.registered', payload: Record<string, never> | Record<string, unknown> = { n: 1 }, key = alice): LedgerRecord {
  return buildRecord(log.head(), { type, payload: payload as never }, key);
}

describe('meta routes', () => {
  it('health, openapi.json and the docs page (assets served locally)', async () => {
    const h = await (await fetch(`${base}/health`)).json();
    expect(h).toMatchObject({ status: 'ok', origin: ORIGIN, logKey: log.verifierKey });
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/v1/log/checkpoint', '/v1/assets/register', '/v1/log/proof/inclusion']));
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      const res = await fetch(`${base}/docs/${a.replace(/^\.\//, '')}`);
      expect(res.status, a).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('unknown routes and garbage are problem+json 4xx', async () => {
    const nf = await fetch(`${base}/nope`);
    expect(nf.status).toBe(404);
    expect(nf.headers.get('content-type')).toContain('application/problem+json');
    expect((await nf.json()).code).toBe('HTTP_NOT_FOUND');
    const bad = await post('/v1/assets/register', '{"v":1,');
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('HTTP_BAD_REQUEST');
  });
});

describe('writes', () => {
  it('appends and answers a receipt whose proof verifies against the signed checkpoint', async () => {
    const r = next();
    const res = await post('/v1/assets/register', r);
    expect(res.status).toBe(200);
    const receipt = await res.json();
    expect(receipt.index).toBe(r.index);
    expect(receipt.leafHash).toBe(toBase64(recordLeafHash(r)));
    const { checkpoint } = openCheckpoint(receipt.checkpoint, [log.verifierKey]);
    expect(checkpoint.size).toBe(receipt.treeSize);
    expect(
      verifyInclusion({
        leafHash: recordLeafHash(r),
        index: receipt.index,
        treeSize: receipt.treeSize,
        proof: receipt.inclusionProof.map((p: string) => fromBase64(p)),
        root: checkpoint.rootHash,
      }),
    ).toBe(true);
    // the same record again: the same receipt, nothing appended
    const size = log.size;
    const again = await post('/v1/assets/register', r);
    expect(await again.json()).toEqual(receipt);
    expect(log.size).toBe(size);
  });

  it('refuses a record of another type, a stale index (409 with the head), and a rule failure', async () => {
    const wrong = await post('/v1/assets/review', next());
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).code).toBe('HTTP_RECORD_TYPE_MISMATCH');
    const stale = buildRecord({ size: 0, lastLeafHash: null }, { type: 'asset.registered', payload: {} }, alice);
    const s = await post('/v1/assets/register', stale);
    expect(s.status).toBe(409);
    const p = await s.json();
    expect(p.code).toBe('LEDGER_INDEX_MISMATCH');
    expect(p.details.head.size).toBe(log.size);
    const refused = await post('/v1/assets/register', next('asset.registered', { refuse: true }));
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe('REGISTRY_UNAUTHORISED');
  });

  it('a pre-chained batch is one request and all-or-nothing', async () => {
    const h = log.head();
    const a = buildRecord(h, { type: 'asset.registered', payload: { n: 1 } }, alice);
    const b = buildRecord({ size: a.index + 1, lastLeafHash: recordLeafHash(a) }, { type: 'asset.registered', payload: { refuse: true } }, alice);
    const size = log.size;
    const res = await post('/v1/assets/register', [a, b]);
    expect(res.status).toBe(403);
    expect(log.size).toBe(size);
    const ok = await post('/v1/assets/register', [
      a,
      buildRecord({ size: a.index + 1, lastLeafHash: recordLeafHash(a) }, { type: 'asset.registered', payload: { n: 2 } }, alice),
    ]);
    expect(ok.status).toBe(200);
    const receipts = await ok.json();
    expect(receipts.map((x: { index: number }) => x.index)).toEqual([size, size + 1]);
  });

  it('a bad signature in a group commit refuses only its own submission', async () => {
    const size = log.size;
    const calls = appendCalls;
    const good1 = next();
    const forged = { ...buildRecord({ size: good1.index + 1, lastLeafHash: recordLeafHash(good1) }, { type: 'asset.registered', payload: { n: 9 } }, alice) };
    const bad = { ...forged, sig: forged.sig.startsWith('A') ? `B${forged.sig.slice(1)}` : `A${forged.sig.slice(1)}` };
    // the good record and the forged one land in the same group (pipelined, out of order)
    const [r1, r2] = await Promise.all([post('/v1/assets/register', bad), post('/v1/assets/register', good1)]);
    expect(r1.status).toBe(400);
    expect((await r1.json()).code).toBe('LEDGER_SIGNATURE_INVALID');
    expect(r2.status).toBe(200);
    expect(log.size).toBe(size + 1);
    expect(appendCalls - calls).toBeGreaterThanOrEqual(1);
  });

  it('a broken chain in a group commit refuses only its own submission, with the head it extended', async () => {
    const size = log.size;
    const good = next();
    const linked = buildRecord({ size: good.index + 1, lastLeafHash: recordLeafHash(good) }, { type: 'asset.registered', payload: { n: 2 } }, alice);
    // DESIGN.md: prev is the leaf hash of the previous record; this one names another hash.
    const broken = buildRecord({ size: linked.index + 1, lastLeafHash: new Uint8Array(32) }, { type: 'asset.registered', payload: { n: 3 } }, alice);
    const [a, b] = await Promise.allSettled([service.submit([good]), service.submit([linked, broken])]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason as { code: string; details: { position: number; head: { size: number } } };
    expect(err.code).toBe('LEDGER_CHAIN_BROKEN');
    expect(err.details.position).toBe(1);
    expect(err.details.head.size).toBe(size + 1);
    expect(log.size).toBe(size + 1);
  });

  it('concurrent client writers are all sequenced; the chain stays valid', async () => {
    const before = log.size;
    const writers = Array.from({ length: 40 }, () => new DataLedgerClient({ baseUrl: base, signer: generateKeyPair() }));
    const receipts = await Promise.all(writers.map((c, i) => c.submit('asset.registered', { writer: i })));
    expect(new Set(receipts.map((r) => r.index)).size).toBe(40);
    expect(log.size).toBe(before + 40);
    expect(service.registry()).toBe(log.size);
  });

  it('pipelined pre-chained batches from one writer group-commit', async () => {
    const client = new DataLedgerClient({ baseUrl: base, signer: alice });
    const head = await client.head();
    const records = client.buildRecords(
      head,
      Array.from({ length: 200 }, (_, i) => ({ type: 'asset.registered', payload: { i } })),
    );
    const calls = appendCalls;
    const chunks = Array.from({ length: 10 }, (_, k) => records.slice(k * 20, k * 20 + 20));
    // sent out of order on purpose: later batches wait for their predecessors
    const answers = await Promise.all([...chunks].reverse().map((c) => client.submitRecords(c)));
    expect(answers.flat().length).toBe(200);
    expect(appendCalls - calls).toBeLessThan(10);
  });
});

describe('reads', () => {
  it('asset details need a request signed by a role holder (RFC 9421)', async () => {
    const unsigned = await fetch(`${base}/v1/assets/A-1`);
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).code).toBe('HTTP_SIGNATURE_MISSING');
    expect(await new DataLedgerClient({ baseUrl: base, signer: alice }).getAsset('A-1')).toEqual({ registrationNumber: 'A-1' });
    expect(await codeOf(new DataLedgerClient({ baseUrl: base, signer: stranger }).getAsset('A-1'))).toBe('HTTP_FORBIDDEN');
    expect(await codeOf(new DataLedgerClient({ baseUrl: base, signer: alice }).getAsset('A-2'))).toBe('HTTP_NOT_FOUND');
  });

  it('supervision reports need a regulator', async () => {
    expect(await new DataLedgerClient({ baseUrl: base, signer: regulator }).statisticsReport()).toEqual({ assets: 1 });
    expect(await codeOf(new DataLedgerClient({ baseUrl: base, signer: alice }).statisticsReport())).toBe('HTTP_FORBIDDEN');
    expect(await codeOf(new DataLedgerClient({ baseUrl: base, signer: alice }).auditReport())).toBe('HTTP_FORBIDDEN');
  });

  it('a replayed signed request for another path is refused', async () => {
    const { signRequest } = await import('../src/httpsig.ts');
    const url = `${base}/v1/supervision/statistics`;
    const headers = await signRequest({ method: 'GET', url, headers: { host: new URL(url).host } }, regulator);
    delete headers['host'];
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const other = await fetch(`${base}/v1/supervision/audit`, { headers });
    expect(other.status).toBe(401);
    expect((await other.json()).code).toBe('HTTP_SIGNATURE_INVALID');
  });

  it('certificates are public; verification is rate-limited', async () => {
    const c = new DataLedgerClient({ baseUrl: base });
    expect(await c.getCertificateState('C-1')).toEqual({ id: 'C-1' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await post('/v1/certificates/verify', { id: 'x' });
      statuses.push(res.status);
      if (res.status === 429) expect((await res.json()).code).toBe('HTTP_RATE_LIMITED');
      else await res.body?.cancel();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[6]).toBe(429);
  });
});

describe('shutdown', () => {
  it('close() finishes queued appends, then refuses writes with HTTP_SHUTTING_DOWN', async () => {
    const l = await memoryLog();
    const svc = new LedgerService<number>({ log: l, origin: ORIGIN, apply: (s) => s + 1, state: 0 });
    const first = buildRecord(l.head(), { type: 'asset.registered', payload: { n: 1 } }, alice);
    const second = buildRecord({ size: 1, lastLeafHash: recordLeafHash(first) }, { type: 'asset.registered', payload: { n: 2 } }, alice);
    const inFlight = [svc.submit([first]), svc.submit([second])];
    await svc.close();
    const receipts = await Promise.all(inFlight);
    expect(receipts.map((r) => r[0]?.index)).toEqual([0, 1]);
    expect(l.size).toBe(2);
    await expect(svc.submit([buildRecord(l.head(), { type: 'asset.registered', payload: {} }, alice)])).rejects.toMatchObject({ code: 'HTTP_SHUTTING_DOWN' });
  });
});
