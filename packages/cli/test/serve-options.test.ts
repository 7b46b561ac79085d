/**
 * `dataledger serve` options an operator sets for a public deployment (DESIGN.md, Service):
 * `--witness-key` (repeatable, or `WITNESS_KEYS` comma-separated) names the only witnesses
 * whose cosignatures are kept; `--public-url` (or `PUBLIC_URL`) is the authority signed reads
 * are bound to (RFC 9421 `@authority`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { cosignCheckpoint, cosignerVerifierKey } from '@dataledger/provenance';
import { signRequest, parseKeyFile } from '@dataledger/service';
import { runBin, startBin, tempDir, waitForExit, waitForOutput } from './helpers.ts';

const started: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitForExit(child).catch(() => child.kill('SIGKILL'));
    }
  }
  for (const c of cleanups) await c();
});

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; data: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const data = join(dir, 'data');
  const child = startBin(['serve', '--port', '0', '--data', data, '--log-level', 'warn', ...args], { env });
  started.push(child);
  const { match } = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  return { url: match[1] as string, data };
}

const witness = (name: string): { key: string; cosign: (note: string) => string } => {
  const k = generateKeyPair();
  return { key: cosignerVerifierKey(name, k.publicKey), cosign: (note) => cosignCheckpoint(note, { name, secretKey: k.secretKey }) };
};

async function postCosignature(url: string, note: string, witnessKey: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${url}/v1/log/cosignatures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note, witnessKey }),
  });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, ...(body.code === undefined ? {} : { code: body.code }) };
}

describe('serve --witness-key / WITNESS_KEYS', () => {
  it('keeps the named witnesses only, from flags or the environment', async () => {
    const [a, b, c] = [witness('w.example/a'), witness('w.example/b'), witness('w.example/c')];
    for (const s of [await serve(['--witness-key', a.key, '--witness-key', b.key]), await serve([], { WITNESS_KEYS: `${a.key}, ${b.key}` })]) {
      const note = await (await fetch(`${s.url}/v1/log/checkpoint`)).text();
      expect(await postCosignature(s.url, a.cosign(note), a.key)).toEqual({ status: 200 });
      expect(await postCosignature(s.url, b.cosign(note), b.key)).toEqual({ status: 200 });
      expect(await postCosignature(s.url, c.cosign(note), c.key)).toEqual({ status: 403, code: 'HTTP_WITNESS_UNKNOWN' });
    }
  }, 60_000);

  it('a key that is not a cosigner vkey is a usage error (exit 2)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const r = await runBin(['serve', '--port', '0', '--data', join(dir, 'data'), '--witness-key', 'not-a-key']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--witness-key');
  });
});

describe('serve --public-url / PUBLIC_URL', () => {
  it('signed reads cover the public URL, not the address the server listens on', async () => {
    const s = await serve([], { PUBLIC_URL: 'https://ledger.example.gov.cn' });
    const root = { secretKey: parseKeyFile(await readFile(join(s.data, 'root.key'), 'utf8')).secretKey };
    const path = '/v1/supervision/statistics';
    const forPublic = await signRequest({ method: 'GET', url: `https://ledger.example.gov.cn${path}`, headers: {} }, root);
    expect((await fetch(`${s.url}${path}`, { headers: forPublic })).status).toBe(200);
    const forListen = await signRequest({ method: 'GET', url: `${s.url}${path}`, headers: {} }, root);
    expect((await fetch(`${s.url}${path}`, { headers: forListen })).status).toBe(401);
  }, 60_000);
});

describe('serve --min-cell', () => {
  it("sets the statistics report's small-cell threshold k (default 5); 0 is a usage error", async () => {
    const path = '/v1/supervision/statistics';
    const read = async (s: { url: string; data: string }): Promise<{ minCell?: number }> => {
      const root = { secretKey: parseKeyFile(await readFile(join(s.data, 'root.key'), 'utf8')).secretKey };
      const headers = await signRequest({ method: 'GET', url: `${s.url}${path}`, headers: {} }, root);
      return (await (await fetch(`${s.url}${path}`, { headers })).json()) as { minCell?: number };
    };
    expect((await read(await serve(['--min-cell', '1']))).minCell).toBe(1);
    expect((await read(await serve([]))).minCell).toBe(5);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const r = await runBin(['serve', '--port', '0', '--data', join(dir, 'data'), '--min-cell', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--min-cell');
  }, 60_000);
});
