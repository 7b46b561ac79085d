/**
 * `dataledger verify --url` and `export --url` read a live log through its C2SP tlog-tiles
 * (a real service on 127.0.0.1, 300 records: a full and a partial tile), including through a
 * proxy that tampers with the bytes.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { verifierKey } from '@dataledger/provenance';
import { newActor, startServer, type Server } from '../../../test/support/http-ledger.ts';
import { runBin, tempDir } from './helpers.ts';

let s: Server;
let vkey: string;
let dir: string;
let cleanup: () => Promise<void>;
let proxy: HttpServer;
let proxyBase: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  s = await startServer(undefined, { logReadRateLimit: false });
  vkey = s.service.logVerifierKey;
  while (s.service.size < 300) {
    const n = Math.min(200, 300 - s.service.size);
    await s.client(s.root).submitBatch(Array.from({ length: n }, () => ({ type: 'role.granted', payload: { subject: newActor().did, role: 'holder' } })));
  }
  // A mirror that changes one record in the partial entry bundle (record 260 grants "Holder").
  proxy = createServer((req, res) => {
    void (async () => {
      const upstream = await fetch(`${s.base}${req.url}`);
      let body = Buffer.from(await upstream.arrayBuffer());
      if (req.url?.startsWith('/tlog/tile/entries/001')) {
        let at = -1;
        for (let i = 0; i <= 4; i++) at = body.indexOf('"holder"', at + 1);
        body = Buffer.from(body);
        body[at + 1] = 'H'.charCodeAt(0);
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyBase = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await s?.destroy();
  await cleanup?.();
});

describe('dataledger verify --url', () => {
  it('replays the live log from its tiles and exits 0', async () => {
    const r = await runBin(['verify', '--url', s.base, '--log-key', vkey, '--json']);
    expect(r.status, r.stderr).toBe(0);
    // A registry ledger (genesis first): its rules are replayed too; role grants need no disclosure.
    expect(JSON.parse(r.stdout)).toEqual({
      valid: true,
      size: 300,
      firstBadIndex: null,
      code: null,
      logKey: vkey,
      trusted: true,
      complete: true,
      unchecked: [],
      violations: 0,
    });
  });

  it('exits 1 naming the first bad record when a mirror tampered with an entry bundle', async () => {
    const r = await runBin(['verify', '--url', proxyBase, '--log-key', vkey, '--json']);
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, firstBadIndex: 260, code: 'BUNDLE_SIGNATURE_INVALID' });
  });

  it('exits 1 when no trusted key signed the checkpoint', async () => {
    // A well-formed key of the same origin that did not sign: a checkpoint forged for a mirror would look like this.
    const foreign = verifierKey(s.service.origin, generateKeyPair().publicKey);
    const r = await runBin(['verify', '--url', s.base, '--log-key', foreign, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, code: 'CHECKPOINT_UNVERIFIED' });
  });

  it('exits 2 without --log-key, with both a file and --url, and when the log cannot be reached', async () => {
    const cases: [string[], string][] = [
      [['verify', '--url', s.base], 'CLI_USAGE'],
      [['verify', 'x.jsonl', '--url', s.base, '--log-key', vkey], 'CLI_USAGE'],
      [['verify', '--url', 'http://127.0.0.1:1', '--log-key', vkey], 'CLI_HTTP_ERROR'],
    ];
    for (const [args, code] of cases) {
      const r = await runBin(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(code);
    }
  });
});

describe('dataledger export --url', () => {
  it("writes, from the tiles, the same bundle as the service's own export", async () => {
    const out = join(dir, 'tiles.jsonl');
    const e = await runBin(['export', '--url', s.base, '--log-key', vkey, '--out', out]);
    expect(e.status, e.stderr).toBe(0);
    const fromTiles = await readFile(out, 'utf8');
    expect(fromTiles).toBe(await s.client().exportBundleText());
    const v = await runBin(['verify', out, '--log-key', vkey, '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, size: 300 });
    // Without --log-key the header names the key the service publishes.
    const e2 = await runBin(['export', '--url', s.base]);
    expect(e2.status, e2.stderr).toBe(0);
    expect(e2.stdout).toBe(fromTiles);
  });
});
