/**
 * `dataledger serve --public-url URL` (or `PUBLIC_URL`): the absolute URLs of the status lists
 * certificates name are under the configured public URL, whatever Host a request carries;
 * a URL that is not absolute http(s) is a usage error (exit 2).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { runBin, startBin, tempDir, waitForExit, waitForOutput } from './helpers.ts';

const started: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitForExit(child).catch(() => {});
    }
  }
  for (const c of cleanups) await c();
});

describe('dataledger serve --public-url', () => {
  it('status lists are named under the public URL (flag or PUBLIC_URL)', async () => {
    for (const [args, env] of [
      [['--public-url', 'https://ledger.example.gov.cn/'], {}],
      [[], { PUBLIC_URL: 'https://ledger.example.gov.cn' }],
    ] as const) {
      const { dir, cleanup } = await tempDir();
      cleanups.push(cleanup);
      const child = startBin(['serve', '--port', '0', '--data', join(dir, 'data'), ...args], { env });
      started.push(child);
      const { match } = await waitForOutput(child, /listening on (http:\/\/[^\s]+)/);
      const slots = (await (await fetch(`${match[1]}/v1/status-lists`)).json()) as { next: { revocationList: string; suspensionList: string } };
      expect(slots.next.revocationList).toBe('https://ledger.example.gov.cn/v1/status-lists/revocation-1');
      expect(slots.next.suspensionList).toBe('https://ledger.example.gov.cn/v1/status-lists/suspension-1');
      child.kill('SIGTERM');
      expect((await waitForExit(child)).code).toBe(0);
    }
  }, 60_000);

  it('refuses a public URL that is not absolute http(s), exit 2', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const r = await runBin(['serve', '--port', '0', '--data', join(dir, 'data'), '--public-url', 'ftp://ledger.example']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--public-url');
  }, 60_000);
});
