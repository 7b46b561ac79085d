/**
 * `dataledger serve --max-clock-skew SECONDS` (DESIGN.md, service configuration): the real
 * server refuses a record dated further ahead of its clock than the flag allows with
 * LEDGER_TIME_AHEAD and appends nothing; within the skew the record goes in.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, fromBase64, generateKeyPair, getPublicKey } from '@dataledger/core';
import { buildRecord, type LedgerRecord } from '@dataledger/provenance';
import { ROUTE_OF_RECORD_TYPE, parseKeyFile } from '@dataledger/service';
import { runBin, startBin, tempDir, waitForExit, waitForOutput } from './helpers.ts';

const started: ChildProcess[] = [];
const dirs: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitForExit(child).catch(() => {});
    }
  }
  for (const c of dirs) await c();
});

describe('serve --max-clock-skew', () => {
  it('refuses a record dated beyond the configured skew, accepts one within it', async () => {
    const { dir, cleanup } = await tempDir();
    dirs.push(cleanup);
    const data = join(dir, 'data');
    const server = startBin(['serve', '--port', '0', '--data', data, '--max-clock-skew', '30']);
    started.push(server);
    const url = (await waitForOutput(server, /listening on (http:\/\/[^\s]+)/)).match[1]!;
    const { secretKey } = parseKeyFile(await readFile(join(data, 'root.key'), 'utf8'));
    const root = { secretKey, publicKey: getPublicKey(secretKey) };

    const head = async (): Promise<{ size: number; lastLeafHash: Uint8Array | null }> => {
      const h = (await (await fetch(`${url}/v1/log/head`)).json()) as { size: number; lastLeafHash: string };
      return { size: h.size, lastLeafHash: h.lastLeafHash === '' ? null : fromBase64(h.lastLeafHash) };
    };
    const post = async (record: LedgerRecord): Promise<{ status: number; code?: string }> => {
      const res = await fetch(`${url}${ROUTE_OF_RECORD_TYPE['role.granted'] as string}`, {
        method: 'POST',
        body: JSON.stringify(record),
        headers: { 'content-type': 'application/json' },
      });
      return { status: res.status, ...((await res.json()) as { code?: string }) };
    };
    const grant = (h: { size: number; lastLeafHash: Uint8Array | null }, aheadMs: number): LedgerRecord =>
      buildRecord(
        h,
        {
          type: 'role.granted',
          payload: { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'regulator' },
          time: new Date(Date.now() + aheadMs).toISOString(),
        },
        root,
      );

    const before = await head();
    // 2 minutes ahead: within the default 5 minutes, beyond the configured 30 seconds.
    expect(await post(grant(before, 120_000))).toMatchObject({ status: 422, code: 'LEDGER_TIME_AHEAD' });
    expect((await head()).size).toBe(before.size);
    expect((await post(grant(before, 5_000))).status).toBe(200);
    expect((await head()).size).toBe(before.size + 1);
  }, 60_000);

  it('a skew that is not a positive number of seconds is a usage error', async () => {
    for (const bad of ['0', '-5', 'soon']) {
      const r = await runBin(['serve', '--port', '0', '--max-clock-skew', bad]);
      expect(r.status, bad).toBe(2);
    }
  });
});
