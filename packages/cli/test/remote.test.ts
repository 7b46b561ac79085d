import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '@dataledger/core';
import { openCheckpoint, recordLeafHash, verifyInclusion, type LedgerRecord } from '@dataledger/provenance';
import { runBin, startBin, tempDir, waitForExit, waitForOutput, type RunResult } from './helpers.ts';

/**
 * The CLI over HTTP against a real `serve` on 127.0.0.1: `submit` (any record type, with
 * retry when the head moves), the friendly verbs, `get` (RFC 9421 signed read), `log show`,
 * and the errors an operator meets (refusals exit 1 with the service's code; an unreachable
 * service exits 2 naming the cause).
 */
let dir: string;
let cleanup: () => Promise<void>;
let server: ChildProcess;
let url: string;
let vkey: string;
let data: string;
const did: Record<string, string> = {};
const key = (name: string): string => join(dir, `${name}.json`);

function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return runBin(args, { cwd: dir, ...options, env: { DATALEDGER_URL: url, ...options.env } });
}

async function ok2(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function size(): Promise<number> {
  return ((await (await fetch(`${url}/v1/log/head`)).json()) as { size: number }).size;
}

/** Checks a printed receipt against the contract: the record is in the tree the signed checkpoint names. */
function checkReceipt(stdout: string): { index: number; record: LedgerRecord } {
  const receipt = JSON.parse(stdout) as {
    index: number;
    leafHash: string;
    treeSize: number;
    inclusionProof: string[];
    checkpoint: string;
    record: LedgerRecord;
  };
  const { checkpoint } = openCheckpoint(receipt.checkpoint, [vkey]);
  expect(checkpoint.size).toBe(receipt.treeSize);
  const leafHash = recordLeafHash(receipt.record);
  expect(receipt.leafHash).toBe(Buffer.from(leafHash).toString('base64'));
  expect(
    verifyInclusion({
      leafHash,
      index: receipt.index,
      treeSize: receipt.treeSize,
      proof: receipt.inclusionProof.map((h) => fromBase64(h)),
      root: checkpoint.rootHash,
    }),
  ).toBe(true);
  return receipt;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  server = startBin(['serve', '--port', '0', '--data', data]);
  const { match } = await waitForOutput(server, /listening on (http:\/\/[^\s]+)/);
  url = match[1]!;
  vkey = (await readFile(join(data, 'log.vkey'), 'utf8')).trim();
  const names = ['registry', 'reviewer', 'appraiser', 'holder', 'regulator', 'buyer', 'stranger'];
  const made = await Promise.all(names.map((n) => runBin(['keygen', '--out', key(n), '--json'])));
  names.forEach((n, i) => (did[n] = (JSON.parse(made[i]!.stdout) as { did: string }).did));
  await writeFile(join(dir, 'data.csv'), 'road,count\nA1,1200\n');
}, 60_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitForExit(server).catch(() => server.kill('SIGKILL'));
  }
  await cleanup();
});

describe('dataledger submit', () => {
  it('signs any record type at the head, posts it and prints the receipt (payload from a file or stdin; root key from the data dir)', async () => {
    await writeFile(join(dir, 'grant.json'), JSON.stringify({ subject: did['registry'], role: 'registry' }));
    const r = await cli(['submit', 'role.granted', '--payload', 'grant.json', '--key', join(data, 'root.key'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const receipt = checkReceipt(r.stdout);
    expect(receipt.record).toMatchObject({
      type: 'role.granted',
      actor: (await readFile(join(data, 'root.did'), 'utf8')).trim(),
      payload: { subject: did['registry'], role: 'registry' },
    });
    // stdin, and the key from DATALEDGER_KEY.
    const s = await cli(['submit', 'role.granted', '--payload', '-', '--json'], {
      input: JSON.stringify({ subject: did['regulator'], role: 'regulator' }),
      env: { DATALEDGER_KEY: join(data, 'root.key') },
    });
    expect(s.status, s.stderr).toBe(0);
    expect(checkReceipt(s.stdout).record.payload).toEqual({ subject: did['regulator'], role: 'regulator' });
  });

  it('re-signs and retries when another writer moved the head (LEDGER_INDEX_MISMATCH): concurrent submits all land', async () => {
    const before = await size();
    const roles = ['reviewer', 'appraiser', 'holder', 'exchange'] as const;
    const subjects = ['reviewer', 'appraiser', 'holder', 'buyer'];
    const results = await Promise.all(
      roles.map((role, i) =>
        cli(['submit', 'role.granted', '--payload', '-', '--key', join(data, 'root.key'), '--json'], {
          input: JSON.stringify({ subject: did[subjects[i]!], role }),
        }),
      ),
    );
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const indexes = results.map((r) => checkReceipt(r.stdout).index).sort((a, b) => a - b);
    expect(indexes).toEqual([before, before + 1, before + 2, before + 3]);
    expect(await size()).toBe(before + 4);
  });

  it("a record the rules refuse exits 1 with the service's code and changes nothing", async () => {
    const before = await size();
    const r = await cli(['submit', 'role.granted', '--payload', '-', '--key', key('stranger'), '--json'], {
      input: JSON.stringify({ subject: did['stranger'], role: 'registry' }),
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'REGISTRY_UNAUTHORISED' });
    expect(r.stderr).toContain('CLI_REQUEST_REFUSED');
    expect(await size()).toBe(before);
    // A payload the schema refuses, likewise.
    const bad = await cli(['submit', 'role.granted', '--payload', '-', '--key', join(data, 'root.key')], {
      input: JSON.stringify({ subject: 'nobody', role: 'king' }),
    });
    expect(bad.status).toBe(1);
    expect(await size()).toBe(before);
    // Not JSON: a usage error before anything is sent.
    const garbage = await cli(['submit', 'role.granted', '--payload', '-', '--key', join(data, 'root.key')], { input: '{nope' });
    expect(garbage.status).toBe(2);
    expect(garbage.stderr).toContain('CLI_JSON_INVALID');
  });
});

describe('friendly verbs', () => {
  it('register → review → value → transfer → freeze → unfreeze, each a record by the right actor', async () => {
    const reg = await cli([
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
      'data.csv',
      '--rows',
      '2',
      '--valid-until',
      '2030-12-31',
      '--key',
      key('registry'),
      '--json',
    ]);
    expect(reg.status, reg.stderr).toBe(0);
    const registered = checkReceipt(reg.stdout).record;
    expect(registered).toMatchObject({ type: 'asset.registered', actor: did['registry'] });
    // --data: the fingerprint is the SHA-256 of the file (the payload member the contract names).
    const { createHash } = await import('node:crypto');
    expect((registered.payload as { fingerprint: string }).fingerprint).toBe(createHash('sha256').update('road,count\nA1,1200\n').digest('hex'));

    const steps: [string[], string, string][] = [
      [['asset', 'review', '--number', 'DL-2026-0001', '--opinion', 'Lawful basis verified', '--key', key('reviewer')], 'asset.reviewed', 'reviewer'],
      [
        ['asset', 'value', '--number', 'DL-2026-0001', '--amount', '1250000.00', '--currency', 'CNY', '--method', 'income', '--key', key('appraiser')],
        'asset.valued',
        'appraiser',
      ],
      [['asset', 'transfer', '--number', 'DL-2026-0001', '--to', did['buyer']!, '--price', '300000', '--key', key('holder')], 'asset.transferred', 'holder'],
      [['asset', 'freeze', '--number', 'DL-2026-0001', '--reason', 'inquiry', '--key', key('regulator')], 'asset.frozen', 'regulator'],
      [['asset', 'unfreeze', '--number', 'DL-2026-0001', '--reason', 'inquiry closed', '--key', key('regulator')], 'asset.unfrozen', 'regulator'],
    ];
    for (const [args, type, actor] of steps) {
      const r = await cli([...args, '--json']);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(checkReceipt(r.stdout).record).toMatchObject({ type, actor: did[actor] });
    }
    const valued = await cli(['get', '/v1/assets/DL-2026-0001', '--key', key('regulator'), '--json']);
    expect(valued.status, valued.stderr).toBe(0);
    expect(JSON.parse(valued.stdout)).toMatchObject({
      registrationNumber: 'DL-2026-0001',
      holder: { id: did['buyer'] },
      valuation: { amount: '1250000.00', currency: 'CNY' },
    });
  });

  it('text output is for a person; a missing option is a usage error naming it, and nothing is written', async () => {
    const before = await size();
    const r = await cli(['asset', 'register', '--number', 'DL-2026-0002', '--holder', did['holder']!, '--key', key('registry')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_USAGE');
    expect(r.stderr).toContain('--name');
    expect(r.stderr).toContain('--valid-until');
    expect(await size()).toBe(before);
    // --payload gives the rest; the options given replace its members.
    await writeFile(join(dir, 'freeze.json'), JSON.stringify({ registrationNumber: 'DL-0000-XXXX', reason: 'from the file' }));
    const f = await cli(['asset', 'freeze', '--payload', 'freeze.json', '--number', 'DL-2026-0001', '--key', key('regulator')]);
    expect(f.status, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/^appended #\d+ asset\.frozen by did:key:/);
    const shown = JSON.parse((await cli(['log', 'show', '--limit', '1', '--json'])).stdout) as { rows: { type: string; asset: string }[] };
    expect(shown.rows[0]).toMatchObject({ type: 'asset.frozen', asset: 'DL-2026-0001' });
  });

  it("a verb the rules refuse exits 1 with the service's code", async () => {
    const before = await size();
    // Only the current holder transfers (DESIGN.md rules): the old holder no longer may.
    const r = await cli(['asset', 'transfer', '--number', 'DL-2026-0001', '--to', did['holder']!, '--key', key('holder')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CLI_REQUEST_REFUSED: REGISTRY_\w+/);
    expect(await size()).toBe(before);
  });
});

describe('licences, changes and certificate status verbs', () => {
  it('the holder licenses a reviewed asset and revokes the licence; the registry changes the asset', async () => {
    await ok2([
      'asset',
      'register',
      '--number',
      'DL-2026-0002',
      '--name',
      'Bus ridership',
      '--holder',
      did['holder']!,
      '--department',
      'Transport Bureau',
      '--basis',
      'Public Transport Regulation art. 3',
      '--classification',
      'general',
      '--fingerprint',
      'cd'.repeat(32),
      '--rows',
      '10',
      '--valid-until',
      '2030-12-31',
      '--key',
      key('registry'),
    ]);
    await ok2(['asset', 'review', '--number', 'DL-2026-0002', '--opinion', 'ok', '--key', key('reviewer')]);
    const grant = JSON.parse(
      await ok2([
        'licence',
        'grant',
        '--number',
        'DL-2026-0002',
        '--licensee',
        did['buyer']!,
        '--purpose',
        'route planning',
        '--scope',
        'read,aggregate',
        '--until',
        '2029-06-30',
        '--key',
        key('holder'),
        '--json',
      ]),
    ) as { record: LedgerRecord };
    // DESIGN.md: a licence names purpose, scope and term.
    const licence = grant.record.payload as { licenceId: string; scope: string[]; term: { from: string; until: string }; purpose: string };
    expect(licence.scope).toEqual(['read', 'aggregate']);
    expect(licence.purpose).toBe('route planning');
    expect(licence.term.until).toBe('2029-06-30T00:00:00.000Z');
    expect(licence.licenceId).toMatch(/^urn:uuid:/);
    const revoked = JSON.parse(await ok2(['licence', 'revoke', '--id', licence.licenceId, '--reason', 'contract ended', '--key', key('holder'), '--json'])) as {
      record: LedgerRecord;
    };
    expect(revoked.record).toMatchObject({ type: 'licence.revoked', payload: { licenceId: licence.licenceId } });
    const changed = JSON.parse(await ok2(['asset', 'change', '--number', 'DL-2026-0002', '--rows', '12', '--key', key('registry'), '--json'])) as {
      record: LedgerRecord;
    };
    expect(changed.record.payload).toEqual({ registrationNumber: 'DL-2026-0002', changes: { rowCount: 12 } });
    const asset = JSON.parse(await ok2(['get', '/v1/assets/DL-2026-0002', '--key', key('registry')])) as { rowCount: number };
    expect(asset.rowCount).toBe(12);
  });

  it('cert issue refuses an existing --out without --force before anything is appended (exit 2, file unchanged)', async () => {
    const before = await size();
    await writeFile(join(dir, 'kept.json'), 'kept\n');
    const r = await cli(['cert', 'issue', '--asset', 'DL-2026-0002', '--out', 'kept.json', '--key', key('registry')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_FILE_EXISTS');
    expect(await readFile(join(dir, 'kept.json'), 'utf8')).toBe('kept\n');
    expect(await size()).toBe(before);
  });

  it("a status change of a certificate the ledger does not hold is refused (exit 1) with the rule's code", async () => {
    for (const verb of ['revoke', 'suspend', 'reinstate']) {
      const r = await cli(['cert', verb, '--id', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--reason', 'test', '--key', key('regulator'), '--json']);
      expect(r.status, verb).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'REGISTRY_CERTIFICATE_UNKNOWN' });
    }
  });
});

describe('dataledger get', () => {
  it('makes an RFC 9421 signed read and prints the JSON; the same read unsigned is refused', async () => {
    const r = await cli(['get', '/v1/assets/DL-2026-0001', '--key', key('registry')]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ registrationNumber: 'DL-2026-0001', name: 'Road traffic counts' });
    const unsigned = await fetch(`${url}/v1/assets/DL-2026-0001`);
    expect(unsigned.status).toBe(401);
    // A signer without the role the resource needs: refused, exit 1, with the code.
    const forbidden = await cli(['get', '/v1/supervision/statistics', '--key', key('stranger'), '--json']);
    expect(forbidden.status).toBe(1);
    expect(JSON.parse(forbidden.stdout)).toMatchObject({ ok: false, code: 'HTTP_FORBIDDEN' });
    const stats = await cli(['get', '/v1/supervision/statistics', '--key', key('regulator'), '--json']);
    expect(stats.status, stats.stderr).toBe(0);
  });
});

describe('dataledger log show', () => {
  it('prints records as a table: index, time, type, actor by role, asset', async () => {
    const r = await cli(['log', 'show', '--from', '0', '--limit', '100']);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^\s*#\s+time \(UTC\)\s+type\s+actor\s+asset$/);
    expect(rows[1]).toMatch(/^\s*0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+ledger\.genesis\s+root did:key:/);
    expect(rows.some((l) => /asset\.registered\s+registry did:key:\S+\s+DL-2026-0001$/.test(l))).toBe(true);
    expect(rows.some((l) => /asset\.valued\s+appraiser did:key:\S+\s+DL-2026-0001$/.test(l))).toBe(true);
    expect(rows.some((l) => /role\.granted\s+root did:key:/.test(l))).toBe(true);
    const json = JSON.parse((await cli(['log', 'show', '--from', '2', '--limit', '3', '--json'])).stdout) as {
      rows: { index: number; actorRoles: string[] }[];
    };
    expect(json.rows.map((x) => x.index)).toEqual([2, 3, 4]);
    expect(json.rows[0]!.actorRoles).toEqual(['root']);
  });
});

describe('network errors', () => {
  it('name the cause (ECONNREFUSED host:port) and exit 2', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    for (const args of [
      ['log', 'show'],
      ['get', '/v1/assets/X', '--key', key('registry')],
      ['role', 'grant', '--subject', did['stranger']!, '--role', 'holder', '--key', join(data, 'root.key')],
      ['export', '--out', '-'],
    ]) {
      const r = await runBin([...args, '--url', `http://127.0.0.1:${port}`], { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
      expect(r.stderr).toContain('CLI_HTTP_ERROR');
    }
    const watch = await runBin(['checkpoint', 'watch', `http://127.0.0.1:${port}`, '--once'], { cwd: dir });
    expect(watch.status).toBe(2);
    expect(watch.stderr).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe('dataledger export --force', () => {
  it('refuses to overwrite a file without --force (exit 2, file unchanged), replaces it with --force', async () => {
    const out = join(dir, 'existing.jsonl');
    await writeFile(out, 'precious\n');
    const r = await runBin(['export', '--url', url, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_FILE_EXISTS');
    expect(r.stderr).toContain('--force');
    expect(await readFile(out, 'utf8')).toBe('precious\n');
    const f = await runBin(['export', '--url', url, '--out', out, '--force']);
    expect(f.status, f.stderr).toBe(0);
    const v = await runBin(['verify', out, '--log-key', vkey, '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, trusted: true, size: await size() });
  });
});
