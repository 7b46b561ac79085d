/**
 * `npm start` (the service as most operators run it) stops gracefully: SIGTERM to npm, or
 * Ctrl-C (SIGINT to the whole foreground process group), drains the append queue, closes the
 * store and exits 0 within 10 s, leaving no server process behind; the data directory then
 * reopens with every acknowledged record. A signal that arrives late (npm passes Ctrl-C on
 * after the terminal has sent it) changes nothing, whenever it lands: during start-up, the
 * stop (within a second of the first), or the process's own exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, toBase64 } from '@dataledger/core';
import { recordLeafHash } from '@dataledger/provenance';
import { DataLedgerClient, openService, parseKeyFile } from '@dataledger/service';
import { BIN, REPO_ROOT, tempDir, waitForExit, waitForOutput } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
const serverPids = new Set<number>();
afterAll(async () => {
  // A server left behind (the failure this file guards against) is stopped here, by its pid.
  for (const pid of serverPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of cleanups) await c();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function npmStart(): Promise<{ npm: ChildProcess; url: string; data: string; serverPid: number; output: () => string }> {
  const { dir, cleanup } = await tempDir('dataledger-npm-start-');
  cleanups.push(cleanup);
  const data = join(dir, 'data');
  // Its own process group, as a terminal's foreground job is.
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: data, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const { match, output } = await waitForOutput(npm, /listening on (http:\/\/\S+)/, 60_000);
  const serverPid = Number(/"pid":(\d+)/.exec(output())?.[1]);
  expect(Number.isSafeInteger(serverPid)).toBe(true);
  serverPids.add(serverPid);
  return { npm, url: match[1] as string, data, serverPid, output };
}

async function writeSome(url: string, data: string, n: number): Promise<{ index: number; leafHash: string }[]> {
  const rootKey = parseKeyFile(await readFile(join(data, 'root.key'), 'utf8')).secretKey;
  const client = new DataLedgerClient({ baseUrl: url, signer: { secretKey: rootKey } });
  const acked: { index: number; leafHash: string }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await client.submit('role.granted', { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' });
    acked.push({ index: r.index, leafHash: r.leafHash });
  }
  return acked;
}

async function expectAllThere(data: string, acked: { index: number; leafHash: string }[]): Promise<void> {
  const service = await openService({ dataDir: data, mustExist: true });
  try {
    const records = await service.entries(0, service.size);
    for (const a of acked) expect(toBase64(recordLeafHash(records[a.index]!))).toBe(a.leafHash);
  } finally {
    await service.close();
  }
}

describe('npm start stops gracefully', () => {
  it('SIGTERM to npm: exit 0 within 10 s, no server left, every acknowledged record on disk', async () => {
    const s = await npmStart();
    const acked = await writeSome(s.url, s.data, 5);
    const t0 = Date.now();
    s.npm.kill('SIGTERM');
    const exit = await waitForExit(s.npm, 15_000);
    expect(exit, s.output().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The server itself is gone (not orphaned behind npm), and it closed the store cleanly.
    for (let i = 0; i < 20 && alive(s.serverPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(s.serverPid)).toBe(false);
    expect(s.output()).toContain('the ledger is closed');
    await expectAllThere(s.data, acked);
  }, 90_000);

  it('Ctrl-C (SIGINT to the process group): exit 0 within 10 s, graceful, every acknowledged record on disk', async () => {
    const s = await npmStart();
    const acked = await writeSome(s.url, s.data, 3);
    const t0 = Date.now();
    process.kill(-(s.npm.pid as number), 'SIGINT');
    const exit = await waitForExit(s.npm, 15_000);
    expect(exit, s.output().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (let i = 0; i < 20 && alive(s.serverPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(s.serverPid)).toBe(false);
    expect(s.output()).toContain('the ledger is closed');
    await expectAllThere(s.data, acked);
  }, 90_000);

  /** `dataledger serve` on a new data directory, its output collected from the start. */
  async function serveDirect(): Promise<{ server: ChildProcess; output: () => string }> {
    const { dir, cleanup } = await tempDir('dataledger-serve-signal-');
    cleanups.push(cleanup);
    const server = spawn(process.execPath, [BIN, 'serve'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    server.stderr?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    return { server, output: () => out };
  }

  it('signals that keep coming once the ledger is closed, until the process is gone, change nothing: exit 0', async () => {
    // Left to end by itself, Node removes its signal handlers as it tears down, and such a
    // signal ended the process by SIGINT; now it ends with process.exit, handlers in place.
    for (let run = 0; run < 2; run++) {
      const { server, output } = await serveDirect();
      await waitForOutput(server, /listening on http/, 60_000);
      const exited = waitForExit(server, 15_000);
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      server.kill('SIGINT');
      await waitForOutput(server, /the ledger is closed/, 15_000).catch(() => undefined);
      while (!gone) {
        server.kill('SIGINT');
        await new Promise((r) => setImmediate(r));
      }
      expect(await exited, output().slice(-2000)).toEqual({ code: 0, signal: null });
      expect(output()).toContain('the ledger is closed');
    }
  }, 90_000);

  it('a signal during start-up (before it listens): it finishes starting, stops gracefully and exits 0', async () => {
    const { server, output } = await serveDirect();
    // The first line is printed once the data directory is open, well before it listens.
    await waitForOutput(server, /data directory/, 60_000);
    server.kill('SIGINT');
    expect(await waitForExit(server, 15_000), output().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(output()).toContain('stopping once start-up is done');
    expect(output()).toContain('the ledger is closed');
  }, 90_000);
});
