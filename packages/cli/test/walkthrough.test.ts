import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, startBin, tempDir, waitForExit, waitForOutput, type RunResult } from './helpers.ts';

/**
 * The walkthrough of packages/cli/README.md ("From an empty data directory to a certificate
 * verified offline"), step by step, through the CLI only, against a real `serve` on
 * 127.0.0.1 with a fresh data directory. Each `cli([...])` below is one command of the
 * README, in its order; the shell variables of the README are the values the earlier
 * commands printed.
 */
let dir: string;
let cleanup: () => Promise<void>;
let server: ChildProcess;
let url: string;
const did: Record<string, string> = {};
let statusListUrl: string | undefined;

/** `npx dataledger …` in the walkthrough's directory, with `export DATALEDGER_URL=…` in effect. */
function cli(args: string[]): Promise<RunResult> {
  return runBin(args, { cwd: dir, env: { DATALEDGER_URL: url } });
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.status, `dataledger ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('dataledger-walkthrough-'));
  // Step 1: npx dataledger serve --data ./data   (the README uses the default port 8080)
  server = startBin(['serve', '--data', './data', '--port', '0'], { cwd: dir });
  const { match } = await waitForOutput(server, /listening on (http:\/\/[^\s]+)/);
  url = match[1]!;
}, 60_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitForExit(server).catch(() => server.kill('SIGKILL'));
  }
  await cleanup();
});

describe('README walkthrough: empty data directory → certificate verified offline', () => {
  it('step 2: a key for each actor (keygen prints the did:key)', async () => {
    for (const name of ['registry', 'reviewer', 'appraiser', 'holder']) {
      did[name] = (await ok(['keygen', '--out', `${name}.json`])).trim();
      expect(did[name]).toMatch(/^did:key:z6Mk/);
    }
  });

  it('step 3: the root authority (its key is in the data directory) grants the roles', async () => {
    for (const role of ['registry', 'reviewer', 'appraiser', 'holder']) {
      expect(await ok(['role', 'grant', '--subject', did[role]!, '--role', role, '--key', 'data/root.key'])).toMatch(/^appended #\d+ role\.granted/);
    }
  });

  it('step 4: the registry registers the asset, the reviewer reviews it, the appraiser values it', async () => {
    await writeFile(join(dir, 'counts.csv'), 'road,hour,count\nG4-K12,08,1320\n');
    await ok([
      'asset',
      'register',
      '--number',
      'DL-2026-0001',
      '--name',
      'Road traffic counts',
      '--holder',
      did['holder']!,
      '--department',
      'Transport Bureau',
      '--basis',
      'Road Traffic Safety Law art. 8',
      '--classification',
      'general',
      '--data',
      'counts.csv',
      '--rows',
      '52000',
      '--valid-until',
      '2030-12-31',
      '--key',
      'registry.json',
    ]);
    await ok(['asset', 'review', '--number', 'DL-2026-0001', '--opinion', 'Lawful basis verified', '--key', 'reviewer.json']);
    await ok(['asset', 'value', '--number', 'DL-2026-0001', '--amount', '1250000.00', '--currency', 'CNY', '--method', 'income', '--key', 'appraiser.json']);
    const table = await ok(['log', 'show']);
    expect(table).toMatch(/asset\.registered\s+registry did:key:\S+\s+DL-2026-0001/);
    expect(table).toMatch(/asset\.reviewed\s+reviewer did:key:\S+\s+DL-2026-0001/);
    expect(table).toMatch(/asset\.valued\s+appraiser did:key:\S+\s+DL-2026-0001/);
    const asset = JSON.parse(await ok(['get', '/v1/assets/DL-2026-0001', '--key', 'registry.json'])) as Record<string, unknown>;
    expect(asset).toMatchObject({ registrationNumber: 'DL-2026-0001', classification: 'general', valuation: { amount: '1250000.00', currency: 'CNY' } });
  });

  it('step 5: the registry issues the certificate and saves it', async () => {
    const out = await ok(['cert', 'issue', '--asset', 'DL-2026-0001', '--out', 'cert.json', '--key', 'registry.json']);
    statusListUrl = /status list (\S+)/.exec(out)?.[1];
    expect(statusListUrl).toBeDefined();
    const cert = JSON.parse(await readFile(join(dir, 'cert.json'), 'utf8')) as { type: string[] };
    // W3C VC 2.0, DESIGN.md "Certificates".
    expect(cert.type).toEqual(['VerifiableCredential', 'DataAssetCertificate']);
  });

  it('step 6: anyone verifies it offline with the published log key and the status list', async () => {
    const logKey = (await readFile(join(dir, 'data', 'log.vkey'), 'utf8')).trim(); // "$(cat data/log.vkey)"
    const text = await cli(['cert', 'verify', 'cert.json', '--log-key', logKey, '--status-list', statusListUrl!]);
    expect(text.status, text.stdout + text.stderr).toBe(0);
    const json = await cli(['cert', 'verify', 'cert.json', '--log-key', logKey, '--status-list', statusListUrl!, '--json']);
    const verdict = JSON.parse(json.stdout) as { verified: boolean; checks: { name: string; ok: boolean }[] };
    expect(verdict.verified).toBe(true);
    expect(verdict.checks.every((c) => c.ok)).toBe(true);
  });

  it('and the regulator replays the whole ledger offline', async () => {
    await ok(['export', '--url', url, '--out', 'ledger.jsonl', '--disclosures', 'ledger.disclosures', '--key', 'data/root.key']);
    const logKey = (await readFile(join(dir, 'data', 'log.vkey'), 'utf8')).trim();
    const withDisclosures = ['--log-key', logKey, '--disclosures', 'ledger.disclosures', '--json'];
    expect(JSON.parse(await ok(['verify', 'ledger.jsonl', ...withDisclosures]))).toMatchObject({ valid: true, trusted: true, complete: true });
    expect(JSON.parse(await ok(['audit', 'ledger.jsonl', ...withDisclosures]))).toMatchObject({ valid: true, trusted: true, violations: [], complete: true });
  });
});
