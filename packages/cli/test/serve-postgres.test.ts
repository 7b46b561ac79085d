/**
 * `dataledger serve --database postgres://…` (or DATABASE_URL): the log lives in a real
 * PostgreSQL (the test support's server), the keys in the data directory. Writes over HTTP,
 * tiles and a live replay, a second instance joining as a follower, a clean stop and a restart
 * on the same database; a data directory without the keys is refused before it writes any.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, keyPairFromSeed } from '@dataledger/core';
import { openCheckpoint } from '@dataledger/provenance';
import { DataLedgerClient, parseKeyFile } from '@dataledger/service';
import { testDatabase, type TestDatabase } from '../../store-postgres/test/support/postgres.ts';
import { killAll, runBin, startBin, tempDir, waitForExit, waitForOutput } from './helpers.ts';

let db: TestDatabase;
let dir: string;
let cleanup: () => Promise<void>;
const started: ChildProcess[] = [];

async function start(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; vkey: string; output: () => string }> {
  const child = startBin(args, { env });
  started.push(child);
  const { match, output } = await waitForOutput(child, /listening on (http:\/\/[^\s]+)/);
  return { child, url: match[1]!, vkey: /log verifier key (\S+)/.exec(output())![1]!, output };
}
const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  db = await testDatabase('serve_postgres');
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await killAll(started);
  await cleanup?.();
  await db?.drop();
});

describe('dataledger serve --database', () => {
  it('keeps the log in PostgreSQL: writes, tiles, a live replay, and a restart on the same database', async () => {
    const data = join(dir, 'data');
    const first = await start(['serve', '--port', '0', '--data', data, '--database', db.url]);
    expect(first.output()).toContain('log store        PostgreSQL');
    expect(await exists(join(data, 'ledger'))).toBe(false);
    expect(await exists(join(data, 'log.key'))).toBe(true);

    const root = keyPairFromSeed(parseKeyFile(await readFile(join(data, 'root.key'), 'utf8')).secretKey);
    const client = new DataLedgerClient({ baseUrl: first.url, signer: root });
    await client.submitBatch(
      Array.from({ length: 20 }, () => ({ type: 'role.granted', payload: { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' } })),
    );
    const cp = openCheckpoint(await (await fetch(`${first.url}/tlog/checkpoint`)).text(), [first.vkey]).checkpoint;
    expect(cp.size).toBe(21); // genesis + 20
    const live = await runBin(['verify', '--url', first.url, '--log-key', first.vkey, '--json']);
    expect(JSON.parse(live.stdout)).toEqual({
      valid: true,
      size: 21,
      firstBadIndex: null,
      code: null,
      logKey: first.vkey,
      trusted: true,
      // A registry ledger: its rules are replayed too, all of them checked.
      complete: true,
      unchecked: [],
      violations: 0,
    });

    // A second process on the same log joins it as a follower: it serves the same checkpoint
    // and forwards its writes to the first (README "Scaling out"; serve-failover.test.ts).
    expect(first.output()).toContain('role             sequencer');
    const twin = await start(['serve', '--port', '0', '--data', data, '--database', db.url]);
    expect(twin.output()).toContain('role             follower');
    expect(await (await fetch(`${twin.url}/tlog/checkpoint`)).text()).toBe(await (await fetch(`${first.url}/tlog/checkpoint`)).text());
    twin.child.kill('SIGTERM');
    expect(await waitForExit(twin.child)).toEqual({ code: 0, signal: null });

    first.child.kill('SIGTERM');
    expect(await waitForExit(first.child)).toEqual({ code: 0, signal: null });

    // The same ledger again, the database named by DATABASE_URL this time.
    const again = await start(['serve', '--port', '0', '--data', data], { DATABASE_URL: db.url });
    expect(again.vkey).toBe(first.vkey);
    const after = openCheckpoint(await (await fetch(`${again.url}/tlog/checkpoint`)).text(), [first.vkey]).checkpoint;
    expect(after.size).toBe(21);
    expect(after.rootHash).toEqual(cp.rootHash);
    again.child.kill('SIGTERM');
    expect(await waitForExit(again.child)).toEqual({ code: 0, signal: null });
  });

  it('refuses a data directory without the keys of the ledger the database holds, writing no key', async () => {
    const other = join(dir, 'other');
    const r = await runBin(['serve', '--port', '0', '--data', other, '--database', db.url]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('STORE_IO');
    expect(await exists(join(other, 'log.key'))).toBe(false);
  });

  it('refuses a --database that is not a postgres:// URL (exit 2)', async () => {
    const r = await runBin(['serve', '--port', '0', '--data', join(dir, 'x'), '--database', 'mysql://localhost/x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_USAGE');
  });
});
