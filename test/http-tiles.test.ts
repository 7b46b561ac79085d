/**
 * The C2SP tlog-tiles API (https://c2sp.org/tlog-tiles) over real HTTP on 127.0.0.1, read by an
 * independent reference here (node:crypto SHA-256 and RFC 9162 §2.1.1 MTH) and by provenance's
 * tiles client: a log of 300 records (one full level-0 tile, one partial of 44, a partial
 * level-1 tile of 1), then grown past a multiple of 256; tampered bytes are detected.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, generateKeyPair } from '@dataledger/core';
import { openCheckpoint, TileLogClient, verifierKey, type Checkpoint, type LedgerRecord } from '@dataledger/provenance';
import { codeOf } from './support/codes.ts';
import { newActor, startServer, type Server } from './support/http-ledger.ts';

// RFC 9162 §2.1.1, written out independently of the code under test.
const sha = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const refLeaf = (data: Uint8Array): Uint8Array => sha(new Uint8Array([0]), data);
function refMth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(new Uint8Array([1]), refMth(leaves.slice(0, k)), refMth(leaves.slice(k)));
}
/** Reference entry-bundle decoder: big-endian uint16 length prefixes. */
function refEntries(bundle: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bundle.length; ) {
    const len = (bundle[at]! << 8) | bundle[at + 1]!;
    out.push(bundle.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}
const hashesOf = (tile: Uint8Array): Uint8Array[] => Array.from({ length: tile.length / 32 }, (_, i) => tile.subarray(i * 32, (i + 1) * 32));

let s: Server;
let logKey: string;
/** Grows the log to exactly `size` records with role grants by the root (pre-chained batches). */
async function growTo(size: number): Promise<void> {
  while (s.service.size < size) {
    const n = Math.min(200, size - s.service.size);
    await s.client(s.root).submitBatch(Array.from({ length: n }, () => ({ type: 'role.granted', payload: { subject: newActor().did, role: 'holder' } })));
  }
  expect(s.service.size).toBe(size);
}
async function get(path: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await fetch(`${s.base}${path}`);
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

let cp100: Checkpoint;
beforeAll(async () => {
  s = await startServer(undefined, { logReadRateLimit: false });
  logKey = s.service.logVerifierKey;
  await growTo(100);
  cp100 = openCheckpoint(await s.service.checkpoint(), [logKey]).checkpoint;
  await growTo(300);
});
afterAll(async () => {
  await s?.destroy();
});

describe('GET /tlog/checkpoint', () => {
  it('is the signed checkpoint, text/plain UTF-8, not cached', async () => {
    const r = await get('/tlog/checkpoint');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const { checkpoint } = openCheckpoint(new TextDecoder().decode(r.bytes), [logKey]);
    expect(checkpoint.size).toBe(300);
  });
});

describe('GET /tlog/tile/… on a log of 300', () => {
  let records: LedgerRecord[];
  let leaves: Uint8Array[];
  beforeAll(async () => {
    const full = await get('/tlog/tile/entries/000');
    const partial = await get('/tlog/tile/entries/001.p/44');
    const entries = [...refEntries(full.bytes), ...refEntries(partial.bytes)];
    expect(entries.length).toBe(300);
    leaves = entries.map(refLeaf);
    records = entries.map((e) => JSON.parse(new TextDecoder().decode(e)) as LedgerRecord);
  });

  it('entry bundles hold the records in order, as the service reads them', async () => {
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(records.slice(250, 300)).toEqual(await s.client().entries(250, 300));
  });

  it('the level-0 tiles are the leaf hashes; with the level-1 tile they make the signed root', async () => {
    const t0 = await get('/tlog/tile/0/000');
    expect(t0.status).toBe(200);
    expect(t0.headers.get('content-type')).toBe('application/octet-stream');
    expect(t0.bytes.length).toBe(8192);
    expect(hashesOf(t0.bytes)).toEqual(leaves.slice(0, 256));
    const t0p = await get('/tlog/tile/0/001.p/44');
    expect(hashesOf(t0p.bytes)).toEqual(leaves.slice(256, 300));
    // Level 1, hash 0 is MTH(D[0:256]); the tile is partial with width floor(300/256) = 1.
    const t1 = await get('/tlog/tile/1/000.p/1');
    expect(hashesOf(t1.bytes)).toEqual([refMth(leaves.slice(0, 256))]);
    const { checkpoint } = openCheckpoint(await s.service.checkpoint(), [logKey]);
    expect(refMth(leaves)).toEqual(checkpoint.rootHash);
  });

  it('entry bundles are gzip-compressed when the client accepts gzip, and identical once decoded', async () => {
    const { gunzipSync } = await import('node:zlib');
    const { request } = await import('node:http');
    const raw = (enc: string): Promise<{ headers: Record<string, unknown>; body: Buffer }> =>
      new Promise((resolve, reject) => {
        request(`${s.base}/tlog/tile/entries/000`, { headers: { 'accept-encoding': enc } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
        })
          .on('error', reject)
          .end();
      });
    const zipped = await raw('gzip, identity');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const plain = await raw('identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.body)).toEqual(plain.body);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect((await raw('gzip;q=0')).headers['content-encoding']).toBeUndefined();
  });

  it('full tiles are immutable; partial ones are not cached', async () => {
    for (const p of ['/tlog/tile/0/000', '/tlog/tile/entries/000'])
      expect((await get(p)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const p of ['/tlog/tile/0/001.p/44', '/tlog/tile/entries/001.p/44', '/tlog/tile/1/000.p/1'])
      expect((await get(p)).headers.get('cache-control')).toBe('no-cache');
  });

  it('serves a narrower partial tile of an earlier size, and 404 for what the tree does not have', async () => {
    const narrow = await get('/tlog/tile/0/001.p/10');
    expect(hashesOf(narrow.bytes)).toEqual(leaves.slice(256, 266));
    const problem = async (p: string): Promise<[number, string]> => {
      const r = await get(p);
      return [r.status, (JSON.parse(new TextDecoder().decode(r.bytes)) as { code: string }).code];
    };
    expect(await problem('/tlog/tile/0/001.p/45')).toEqual([404, 'LEDGER_INDEX_OUT_OF_RANGE']);
    expect(await problem('/tlog/tile/0/001')).toEqual([404, 'LEDGER_INDEX_OUT_OF_RANGE']);
    expect(await problem('/tlog/tile/1/000')).toEqual([404, 'LEDGER_INDEX_OUT_OF_RANGE']);
    expect(await problem('/tlog/tile/entries/002.p/1')).toEqual([404, 'LEDGER_INDEX_OUT_OF_RANGE']);
    expect(await problem('/tlog/tile/0/1')).toEqual([404, 'HTTP_NOT_FOUND']);
    expect(await problem('/tlog/tile/0/x000/000')).toEqual([404, 'HTTP_NOT_FOUND']);
    expect(await problem('/tlog/tile/0/000.p/256')).toEqual([404, 'HTTP_NOT_FOUND']);
  });
});

describe('TileLogClient against the live log', () => {
  const prefix = (): string => `${s.base}/tlog`;

  it('verifies the checkpoint with the given key, and refuses one signed by no trusted key', async () => {
    const client = new TileLogClient({ url: prefix(), logKeys: [logKey] });
    const cp = await client.checkpoint();
    expect(cp.checkpoint.size).toBe(300);
    expect(cp.verifiedBy).toEqual([logKey]);
    const stranger = new TileLogClient({ url: prefix(), logKeys: [verifierKey(s.service.origin, generateKeyPair().publicKey)] });
    expect(await codeOf(stranger.checkpoint())).toBe('CHECKPOINT_UNVERIFIED');
  });

  it('proves inclusion from tiles for entries in full and partial tiles, and consistency with an older checkpoint', async () => {
    const client = new TileLogClient({ url: prefix(), logKeys: [logKey] });
    const { checkpoint } = await client.checkpoint();
    const entries: Uint8Array[] = [];
    for await (const e of client.entries(checkpoint)) entries.push(e.data);
    for (const i of [0, 1, 99, 255, 256, 257, 298, 299]) await client.verifyInclusion(refLeaf(entries[i]!), i, checkpoint);
    await client.verifyConsistency(cp100, checkpoint);
    // A wrong leaf, or a leaf at the wrong index, is not proven.
    expect(await codeOf(client.verifyInclusion(refLeaf(entries[5]!), 6, checkpoint))).toBe('TILES_PROOF_INVALID');
    // A forked older tree (another root at size 100) is not consistent.
    const forked = { ...cp100, rootHash: refLeaf(new Uint8Array([1])) };
    expect(await codeOf(client.verifyConsistency(forked, checkpoint))).toBe('TILES_PROOF_INVALID');
  });

  it('replays the whole log from entry bundles with every record check', async () => {
    const client = new TileLogClient({ url: prefix(), logKeys: [logKey] });
    const report = await client.replay();
    expect(report).toMatchObject({ valid: true, size: 300, trusted: true, logKey });
  });

  it('detects tampered hash tiles and entry bundles', async () => {
    const tamper =
      (match: (url: string) => boolean, change: (b: Uint8Array) => Uint8Array): typeof fetch =>
      async (input, init) => {
        const res = await fetch(input, init);
        const url = String(input);
        if (!match(url) || res.status !== 200) return res;
        const bytes = change(new Uint8Array(await res.arrayBuffer()));
        return new Response(new Uint8Array(bytes), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
      };
    const flip = (at: number) => (b: Uint8Array) => {
      const c = new Uint8Array(b);
      c[at]! ^= 0x01;
      return c;
    };
    // The leaf hash of record i is the `prev` of record i + 1 (DESIGN.md).
    const leafOf = async (i: number): Promise<Uint8Array> => fromBase64((await s.client().entries(i + 1, i + 2))[0]!.prev);
    // One flipped bit in a level-0 tile: the inclusion proofs that use it no longer verify.
    const badTile = new TileLogClient({ url: prefix(), logKeys: [logKey], fetch: tamper((u) => u.endsWith('/tile/0/000'), flip(32 * 7)) });
    const { checkpoint } = await badTile.checkpoint();
    expect(await codeOf(badTile.verifyInclusion(await leafOf(3), 3, checkpoint))).toBe('TILES_PROOF_INVALID');
    // A record in the partial tile is proven with the level-1 hash of the first 256: tamper with that.
    const badUpper = new TileLogClient({ url: prefix(), logKeys: [logKey], fetch: tamper((u) => u.endsWith('/tile/1/000.p/1'), flip(0)) });
    expect(await codeOf(badUpper.verifyInclusion(await leafOf(279), 279, checkpoint))).toBe('TILES_PROOF_INVALID');
    // Untampered, both verify.
    const honest = new TileLogClient({ url: prefix(), logKeys: [logKey] });
    expect(await codeOf(honest.verifyInclusion(await leafOf(3), 3, checkpoint))).toBe('OK');
    expect(await codeOf(honest.verifyInclusion(await leafOf(279), 279, checkpoint))).toBe('OK');
    // A truncated tile is refused before use.
    const shortTile = new TileLogClient({
      url: prefix(),
      logKeys: [logKey],
      fetch: tamper(
        (u) => u.includes('/tile/0/'),
        (b) => b.subarray(0, b.length - 1),
      ),
    });
    expect(await codeOf(shortTile.verifyInclusion(refLeaf(new Uint8Array()), 3, checkpoint))).toBe('TILES_MALFORMED');
    // A changed byte inside a record of an entry bundle: the replay reports the record.
    const badBundle = new TileLogClient({
      url: prefix(),
      logKeys: [logKey],
      fetch: tamper(
        (u) => u.includes('/tile/entries/001'),
        (b) => {
          const c = new Uint8Array(b);
          const at = Buffer.from(c).indexOf('"holder"');
          c[at + 1] = 'H'.charCodeAt(0);
          return c;
        },
      ),
    });
    const report = await badBundle.replay();
    expect(report.valid).toBe(false);
    expect(report.firstBadIndex).toBe(256);
    expect(report.code).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('follows the log past a tile boundary: tiles of the new size prove the old checkpoint consistent', async () => {
    const client = new TileLogClient({ url: prefix(), logKeys: [logKey] });
    const before = (await client.checkpoint()).checkpoint;
    await growTo(513); // two full level-0 tiles, a partial of 1, a partial level-1 tile of 2
    const after = await client.checkpoint();
    expect(after.checkpoint.size).toBe(513);
    await client.verifyConsistency(before, after.checkpoint);
    await client.verifyConsistency(cp100, after.checkpoint);
    expect((await get('/tlog/tile/1/000.p/2')).bytes.length).toBe(64);
    expect(await client.replay(after)).toMatchObject({ valid: true, size: 513 });
  });
});
