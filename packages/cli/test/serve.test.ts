import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, toBase64 } from '@dataledger/core';
import { cosignerVerifierKey, openCheckpoint, recordLeafHash, signCheckpoint, verifierKey, verifyCosignature } from '@dataledger/provenance';
import { DataLedgerClient } from '@dataledger/service';
import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { parseKeyFile } from '../src/keyfile.ts';
import { killAll, runBin, startBin, tempDir, waitForExit, waitForOutput } from './helpers.ts';

/**
 * `dataledger serve` as a new user meets it: first start creates the data directory with
 * 0600 keys and prints the log's verifier key; the checkpoint it serves verifies with that
 * key; SIGTERM stops it cleanly; a restart serves the same ledger. `export --url` and
 * `checkpoint watch` run against the live server.
 */
let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let server: ChildProcess | undefined;
/** Every server this file starts, so none outlives it (even when tests are filtered). */
const started: ChildProcess[] = [];
let url: string;
let vkey: string;
let rootDid: string;
let serverOutput: () => string = () => '';

async function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; vkey: string; root: string; output: () => string }> {
  server = startBin(args, { env });
  started.push(server);
  const { match, output } = await waitForOutput(server, /listening on (http:\/\/[^\s]+)/);
  const out = output();
  serverOutput = output;
  return {
    url: match[1]!,
    vkey: /log verifier key (\S+)/.exec(out)![1]!,
    root: /root authority\s+(\S+)/.exec(out)![1]!,
    output,
  };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  // First start through the environment, as `npm start` would be configured.
  const s = await start(['serve'], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: data });
  ({ url, vkey } = s);
  rootDid = s.root;
  expect(s.output()).toContain('created');
}, 60_000);

afterAll(async () => {
  await killAll(started);
  await cleanup();
});

describe('dataledger serve', () => {
  it('creates the data directory with 0600 keys and publishes the printed key', async () => {
    for (const f of ['log.key', 'root.key']) expect((await stat(join(data, f))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(data, 'log.vkey'), 'utf8')).trim()).toBe(vkey);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const openapi = await fetch(`${url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const note = await (await fetch(`${url}/v1/log/checkpoint`)).text();
    const { checkpoint } = openCheckpoint(note, [vkey]);
    expect(checkpoint.size).toBe(1); // the genesis record
    expect(rootDid).toMatch(/^did:key:z6Mk/);
    // Logs are pino JSON lines.
    const logLine = serverOutput()
      .split('\n')
      .find((l) => l.startsWith('{'));
    expect(JSON.parse(logLine!)).toMatchObject({ level: 30, name: 'dataledger' });
  });

  it('holds the data directory: an offline export of it is refused while serving (exit 2)', async () => {
    const r = await runBin(['export', '--data', data, '--out', join(dir, 'locked.jsonl')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_DATA_DIR_LOCKED');
  });

  it('export --url writes a bundle that verifies with the printed key; watch checks consistency and cosigns', async () => {
    const rootKey = parseKeyFile(await readFile(join(data, 'root.key'), 'utf8')).secretKey;
    const client = new DataLedgerClient({ baseUrl: url, signer: { secretKey: rootKey } });
    const state = join(dir, 'watch-state.txt');
    const witnessFile = join(dir, 'witness.json');
    expect((await runBin(['keygen', '--out', witnessFile])).status).toBe(0);

    const first = await runBin(['checkpoint', 'watch', url, '--once', '--state', state, '--log-key', vkey, '--json']);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'ok', size: 1 });

    await client.submit('role.granted', { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'regulator' });
    await client.submit('role.granted', { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'registry' });

    const second = await runBin(['checkpoint', 'watch', url, '--once', '--state', state, '--cosign', witnessFile, '--witness-name', 'test-witness', '--json']);
    expect(second.status, second.stderr).toBe(0);
    const obs = JSON.parse(second.stdout) as { status: string; size: number; previousSize: number; cosignature: string };
    expect(obs).toMatchObject({ status: 'ok', size: 3, previousSize: 1 });
    const note = await readFile(state, 'utf8');
    const witness = parseKeyFile(await readFile(witnessFile, 'utf8'));
    expect(verifyCosignature(`${note}${obs.cosignature}\n`, cosignerVerifierKey('test-witness', witness.publicKey))).toBe(true);

    const out = join(dir, 'remote.jsonl');
    const e = await runBin(['export', '--url', url, '--out', out]);
    expect(e.status, e.stderr).toBe(0);
    const v = await runBin(['verify', out, '--log-key', vkey, '--json']);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({
      valid: true,
      size: 3,
      firstBadIndex: null,
      code: null,
      logKey: vkey,
      trusted: true,
      complete: true,
      unchecked: [],
      violations: 0,
    });
  });

  it('checkpoint watch polls at --interval for --count polls, pinning the published key when none is given', async () => {
    const r = await runBin(['checkpoint', 'watch', url, '--interval', '0.2', '--count', '3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(vkey); // the pinned key is named
    const polls = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; size: number; previousSize?: number });
    expect(polls).toHaveLength(3);
    expect(polls.every((p) => p.status === 'ok')).toBe(true);
    expect(polls[1]!.previousSize).toBe(polls[0]!.size);
  });

  it('checkpoint watch reports a split view (exit 1): another root for a size, or no consistency proof', async () => {
    const logSecret = parseKeyFile(await readFile(join(data, 'log.key'), 'utf8')).secretKey;
    const origin = vkey.split('+')[0]!;
    const current = openCheckpoint(await (await fetch(`${url}/v1/log/checkpoint`)).text(), [vkey]).checkpoint;
    const forge = (size: number): string => signCheckpoint({ origin, size, rootHash: new Uint8Array(32).fill(size) }, { name: origin, secretKey: logSecret });
    const cases: [string, string][] = [
      [forge(current.size), 'CLI_WATCH_ROOT_MISMATCH'],
      [forge(current.size - 1), 'CLI_WATCH_INCONSISTENT'],
      [forge(current.size + 5), 'CLI_WATCH_LOG_SHRANK'],
    ];
    await Promise.all(
      cases.map(async ([note, code]) => {
        const state = join(dir, `split-${code}.txt`);
        await writeFile(state, note);
        const r = await runBin(['checkpoint', 'watch', url, '--once', '--state', state, '--log-key', vkey, '--json']);
        expect(r.status, code).toBe(1);
        expect(JSON.parse(r.stdout)).toMatchObject({ status: 'split-view', code });
        expect(await readFile(state, 'utf8')).toBe(note); // the evidence is kept
      }),
    );
    // A checkpoint not signed by the pinned key is refused outright.
    const stranger = verifierKey(origin, generateKeyPair().publicKey);
    const r = await runBin(['checkpoint', 'watch', url, '--once', '--log-key', stranger, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'untrusted', code: 'CHECKPOINT_UNVERIFIED' });
  });

  it('stops cleanly on SIGTERM and a restart (flags this time) serves the same ledger', async () => {
    const before = openCheckpoint(await (await fetch(`${url}/v1/log/checkpoint`)).text(), [vkey]).checkpoint;
    server!.kill('SIGTERM');
    const exit = await waitForExit(server!).catch(() => ({ code: -1, signal: null }));
    expect(exit, serverOutput().slice(-3000)).toEqual({ code: 0, signal: null });

    const again = await start(['serve', '--port', '0', '--host', '127.0.0.1', '--data', data, '--shutdown-timeout', '1']);
    expect(again.vkey).toBe(vkey);
    expect(again.output()).not.toContain('created');
    const after = openCheckpoint(await (await fetch(`${again.url}/v1/log/checkpoint`)).text(), [vkey]).checkpoint;
    expect(after.size).toBe(before.size);
    expect(after.rootHash).toEqual(before.rootHash);
    // A client that stops reading does not hold the shutdown beyond --shutdown-timeout.
    const stuck = await fetch(`${again.url}/openapi.json`); // a large body, never read
    expect(stuck.status).toBe(200);
    const t0 = Date.now();
    server!.kill('SIGINT');
    expect(await waitForExit(server!, 15_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(8_000);
    await stuck.body?.cancel().catch(() => {});
  });

  it('exits 2 with a clear message when the port is taken, and leaves no half-open ledger', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = String((blocker.address() as AddressInfo).port);
    try {
      const r = await runBin(['serve', '--port', port, '--data', join(dir, 'third')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/CLI_USAGE: cannot listen/);
      // The store was closed on the way out: the data directory opens again at once.
      const e = await runBin(['export', '--data', join(dir, 'third')]);
      expect(e.status, e.stderr).toBe(0);
    } finally {
      blocker.close();
    }
  });

  it('SIGTERM during concurrent writes: in-flight appends finish, and every acknowledged record is there after restart', async () => {
    const dataDir = join(dir, 'busy');
    const first = await start(['serve', '--port', '0', '--data', dataDir]);
    const rootKey = parseKeyFile(await readFile(join(dataDir, 'root.key'), 'utf8')).secretKey;
    const writers = Array.from({ length: 24 }, () => new DataLedgerClient({ baseUrl: first.url, signer: { secretKey: rootKey }, maxRetries: 50 }));
    const acked: { index: number; leafHash: string }[] = [];
    let firstAck!: () => void;
    const someAcked = new Promise<void>((r) => (firstAck = r));
    const writes = writers.map(async (client) => {
      const receipt = await client.submit('role.granted', { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' });
      acked.push({ index: receipt.index, leafHash: receipt.leafHash });
      if (acked.length >= 3) firstAck();
      return receipt;
    });
    await someAcked;
    server!.kill('SIGTERM');
    const settled = await Promise.allSettled(writes);
    // Keep-alive connections are closed as their requests finish: no wait for --shutdown-timeout.
    const t0 = Date.now();
    expect(await waitForExit(server!)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(settled.some((r) => r.status === 'fulfilled')).toBe(true);

    const again = await start(['serve', '--port', '0', '--data', dataDir]);
    const client = new DataLedgerClient({ baseUrl: again.url });
    const head = await client.head();
    const records = await client.entries(0, head.size);
    for (const a of acked) {
      expect(a.index).toBeLessThan(head.size);
      expect(toBase64(recordLeafHash(records[a.index]!))).toBe(a.leafHash);
    }
    server!.kill('SIGTERM');
    expect(await waitForExit(server!)).toEqual({ code: 0, signal: null });
  });
});
