/**
 * Concurrency and durability over HTTP on a LevelDB ledger: 200 concurrent writers, then an
 * export that verifies; a restart keeps every acknowledged record; SIGKILL of a server
 * process in the middle of writes loses no acknowledged record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64 } from '@dataledger/core';
import { buildChain, verifyBundle } from '@dataledger/provenance';
import { DataLedgerClient, openService, type Receipt } from '@dataledger/service';
import { assetPayload, newActor, newRegistrationNumber, startServer, tempDataDir, type Actor } from './support/http-ledger.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(join(d, '..'), { recursive: true, force: true });
});

/** Checks that every acknowledged receipt names the same record in the reopened ledger, and that its export verifies. */
async function checkAcknowledged(dir: string, acked: Receipt[]): Promise<number> {
  const service = await openService({ dataDir: dir, mustExist: true });
  try {
    for (const r of acked) {
      expect(r.index).toBeLessThan(service.size);
      expect(toBase64(await service.leafHashAt(r.index))).toBe(r.leafHash);
    }
    const lines: string[] = [];
    for await (const l of service.exportBundle()) lines.push(l);
    const report = await verifyBundle(lines, { trustedLogKeys: [service.logVerifierKey] });
    expect(report.valid).toBe(true);
    expect(report.size).toBe(service.size);
    return service.size;
  } finally {
    await service.close();
  }
}

/** Grants the registry role to `writers` in-process (a fresh data dir). */
async function prepare(dir: string, writers: Actor[]): Promise<void> {
  const service = await openService({ dataDir: dir });
  const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
  const records = buildChain(
    service.log.head(),
    writers.map((w) => ({ type: 'role.granted', payload: { subject: w.did, role: 'registry' }, signer: root })),
  );
  await service.submit(records);
  await service.close();
}

describe('200 concurrent writers, restart', () => {
  it('every write is sequenced, the export verifies, and a restart keeps every acknowledged record', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const writers = Array.from({ length: 200 }, () => newActor());
    await prepare(dir, writers);
    const s = await startServer(dir);
    const holder = newActor();
    const receipts = await Promise.all(
      writers.map((w) =>
        new DataLedgerClient({ baseUrl: s.base, signer: w, maxRetries: 10_000 }).submit(
          'asset.registered',
          assetPayload(newRegistrationNumber('C'), holder) as never,
        ),
      ),
    );
    expect(new Set(receipts.map((r) => r.index)).size).toBe(200);
    const lines: string[] = [];
    for await (const l of s.client().exportBundle()) lines.push(`${l}\n`);
    const report = await verifyBundle(lines, { trustedLogKeys: [s.service.logVerifierKey] });
    expect(report).toMatchObject({ valid: true, size: s.service.size });
    const assets = s.service.registry().assets.size;
    expect(assets).toBe(200);
    await s.stop();
    const size = await checkAcknowledged(dir, receipts);
    expect(size).toBe(1 + 200 + 200);
    const again = await openService({ dataDir: dir, mustExist: true });
    expect(again.registry().assets.size).toBe(200);
    expect(again.created).toBe(false);
    await again.close();
  });
});

function startChild(dir: string): Promise<{ child: ChildProcess; base: string }> {
  const script = fileURLToPath(new URL('./support/http-server-child.ts', import.meta.url));
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m !== null) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

describe('SIGKILL of the server during writes', () => {
  it('loses no acknowledged record (3 kills at different moments)', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const writers = Array.from({ length: 16 }, () => newActor());
    await prepare(dir, writers);
    const acked: Receipt[] = [];
    for (const killAfterMs of [150, 400, 700]) {
      const { child, base } = await startChild(dir);
      let stop = false;
      const loops = writers.map(async (w) => {
        const c = new DataLedgerClient({ baseUrl: base, signer: w, maxRetries: 1000 });
        // pre-chained batches too: half the writers send 5 records per request
        while (!stop) {
          try {
            if (acked.length % 2 === 0) {
              const batch = Array.from({ length: 5 }, () => ({ type: 'asset.registered', payload: assetPayload(newRegistrationNumber('K'), w) as never }));
              acked.push(...(await c.submitBatch(batch)));
            } else {
              acked.push(await c.submit('asset.registered', assetPayload(newRegistrationNumber('K'), w) as never));
            }
          } catch {
            return; // the server is gone
          }
        }
      });
      // The moment counts from this server's first acknowledgement, so the kill lands among
      // acknowledged writes however long the machine (or the Node release) takes to warm up.
      const before = acked.length;
      for (const end = Date.now() + 30_000; acked.length === before && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, killAfterMs));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      stop = true;
      await Promise.all(loops);
      await checkAcknowledged(dir, acked);
    }
    expect(acked.length).toBeGreaterThan(20);
  });
});
