import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { verifierKey } from '@dataledger/provenance';
import { runBin, tempDir } from './helpers.ts';

/**
 * The offline path a new user takes: `demo` writes a ledger into a data directory, `export`
 * bundles it, `verify` and `audit` replay it, `cert verify` checks a certificate — all through
 * the real bin.
 */
let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let bundle: string;
let logKey: string;
let demo: {
  records: number;
  logVerifierKey: string;
  certificates: { issued: number; files: string[] };
  statusLists: string;
  disclosures: string;
  statistics: { contributors: number; sum: string[] } | null;
  outDir: string;
};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  const r = await runBin(['demo', '--data', data, '--json'], { timeoutMs: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  demo = JSON.parse(r.stdout) as typeof demo;
  logKey = (await readFile(join(data, 'log.vkey'), 'utf8')).trim();
  bundle = join(dir, 'ledger.jsonl');
  const e = await runBin(['export', '--data', data, '--out', bundle]);
  expect(e.status, e.stderr).toBe(0);
}, 90_000);
afterAll(async () => cleanup());

describe('dataledger demo', () => {
  it('writes a realistic ledger: every classification, certificates, licences, encrypted statistics over ≥ 5 holders', async () => {
    expect(demo.logVerifierKey).toBe(logKey);
    expect(demo.records).toBeGreaterThan(200);
    expect(demo.certificates.issued).toBeGreaterThanOrEqual(10);
    expect(demo.statistics?.contributors).toBeGreaterThanOrEqual(5);
    expect(demo.statistics?.sum).toHaveLength(12);
    // Keys of the data dir and of the demo actors are readable by their owner only.
    for (const f of ['log.key', 'root.key']) expect((await stat(join(data, f))).mode & 0o777).toBe(0o600);
    const keys = await readdir(join(demo.outDir, 'keys'));
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) expect((await stat(join(demo.outDir, 'keys', k))).mode & 0o777).toBe(0o600);
    // The disclosures of the concealed members (DESIGN.md "Disclosure policy") too.
    expect((await stat(demo.disclosures)).mode & 0o777).toBe(0o600);
  });

  it('refuses a data directory that already holds a ledger (exit 2), leaving it unchanged', async () => {
    const before = (await runBin(['export', '--data', data])).stdout;
    const r = await runBin(['demo', '--data', data]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_USAGE');
    expect((await runBin(['export', '--data', data])).stdout).toBe(before);
  });
});

describe('demo → export → verify', () => {
  it('verifies with the published log key (exit 0): every rule with the disclosures, the public ones without', async () => {
    const given = (await readFile(demo.disclosures, 'utf8')).split('\n').filter((l) => l !== '').length;
    expect(given).toBeGreaterThan(200);
    const r = await runBin(['verify', bundle, '--log-key', logKey, '--disclosures', demo.disclosures, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      valid: true,
      size: demo.records,
      firstBadIndex: null,
      code: null,
      logKey,
      trusted: true,
      complete: true,
      unchecked: [],
      violations: 0,
      disclosures: { given, used: given },
    });
    // Without them: still valid, never complete; the consent rule needs the concealed data subjects.
    const plain = await runBin(['verify', bundle, '--log-key', logKey, '--json']);
    expect(plain.status).toBe(0);
    const out = JSON.parse(plain.stdout) as { valid: boolean; complete: boolean; unchecked: { rule: string }[] };
    expect(out).toMatchObject({ valid: true, complete: false });
    expect(out.unchecked.map((u) => u.rule)).toContain('REGISTRY_CONSENT_MISSING');
  });

  it('exit 1 with valid:false for an edited payload deep in the demo ledger', async () => {
    const lines = (await readFile(bundle, 'utf8')).split('\n');
    // The valuation is logged as a digest (DESIGN.md "Disclosure policy"): swapping it for the
    // digest of another value breaks the appraiser's signature.
    const i = lines.findIndex((l) => l.includes('"asset.valued"'));
    lines[i] = lines[i]!.replace(/"_sd":\["(.)/, (_m, c: string) => `"_sd":["${c === 'A' ? 'B' : 'A'}`);
    expect(lines[i]).not.toBe((await readFile(bundle, 'utf8')).split('\n')[i]);
    const edited = join(dir, 'edited.jsonl');
    await writeFile(edited, lines.join('\n'));
    const r = await runBin(['verify', edited, '--log-key', logKey, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, firstBadIndex: i - 1, code: 'BUNDLE_SIGNATURE_INVALID' });
  });

  it('export to stdout equals the file, and a missing data dir is a usage error', async () => {
    const r = await runBin(['export', '--data', data]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(await readFile(bundle, 'utf8'));
    const missing = await runBin(['export', '--data', join(dir, 'nothing-here'), '--out', join(dir, 'x.jsonl')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('CLI_DATA_DIR_MISSING');
    await expect(stat(join(dir, 'x.jsonl'))).rejects.toThrow();
    const unwritable = await runBin(['export', '--data', data, '--out', join(dir, 'no-such-dir', 'x.jsonl')]);
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toContain('CLI_FILE_UNWRITABLE');
  });
});

describe('dataledger audit', () => {
  it('--json prints { valid, records, integrity, violations, statistics } and exits 0 on the demo ledger', async () => {
    const r = await runBin(['audit', bundle, '--log-key', logKey, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & {
      statistics: { assets: { byClassification: unknown }; certificates: unknown; transfers: { total: unknown }; aggregations: unknown };
    };
    expect(Object.keys(report).sort()).toEqual([
      'complete',
      'disclosures',
      'erasures',
      'integrity',
      'records',
      'rules',
      'statistics',
      'trusted',
      'unchecked',
      'valid',
      'violations',
    ]);
    expect(report['valid']).toBe(true);
    expect(report['records']).toBe(demo.records);
    expect(report['violations']).toEqual([]);
    expect(report['integrity']).toEqual({ valid: true, size: demo.records, firstBadIndex: null, code: null, logKey });
    const s = report['statistics'];
    expect(s.assets.byClassification).toEqual({ general: 20, important: 20, core: 20 });
    expect(s.certificates).toMatchObject({ issued: demo.certificates.issued, revoked: 1, suspended: 1 });
    expect(s.transfers.total).toBe(3);
    expect(s.aggregations).toEqual({ opened: 1, released: 1, contributions: 5 });
  });

  it('exits 1 and reports the integrity fault on a truncated bundle, apart from rule violations', async () => {
    const lines = (await readFile(bundle, 'utf8')).split('\n').filter((l) => l !== '');
    const truncated = join(dir, 'truncated.jsonl');
    await writeFile(truncated, `${lines.slice(0, 50).join('\n')}\n`);
    const r = await runBin(['audit', truncated, '--log-key', logKey, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; violations: { code: string }[]; integrity: { valid: boolean; code: string } };
    expect(report.valid).toBe(false);
    expect(report.integrity).toMatchObject({ valid: false, code: 'BUNDLE_TRUNCATED' });
    expect(report.violations.map((v) => v.code)).not.toContain('BUNDLE_TRUNCATED');
  });
});

describe('dataledger cert verify', () => {
  const run = (file: string, extra: string[] = []) =>
    runBin(['cert', 'verify', file, '--log-key', logKey, '--status-list', demo.statusLists, '--json', ...extra]);

  it('exits 0 for a certificate from the demo, every check ok', async () => {
    const r = await run(demo.certificates.files[0]!);
    expect(r.status, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { verified: boolean; checks: { name: string; ok: boolean }[] };
    expect(out.verified).toBe(true);
    expect(out.checks.map((c) => c.name).sort()).toEqual(['checkpoint', 'format', 'inclusion', 'issuer', 'proof', 'record', 'status', 'validity']);
  });

  it('exits 1 for the revoked certificate, an edited one, and one checked against a foreign log key', async () => {
    const revoked = await run(demo.certificates.files.at(-1)!);
    expect(revoked.status).toBe(1);
    expect(JSON.parse(revoked.stdout).checks).toContainEqual(expect.objectContaining({ name: 'status', ok: false, code: 'CERT_STATUS_REVOKED' }));

    const cert = JSON.parse(await readFile(demo.certificates.files[0]!, 'utf8')) as { credentialSubject: Record<string, unknown> };
    cert.credentialSubject['name'] = 'Something else';
    const edited = join(dir, 'edited-cert.json');
    await writeFile(edited, JSON.stringify(cert));
    const e = await run(edited);
    expect(e.status).toBe(1);
    expect(JSON.parse(e.stdout).checks).toContainEqual(expect.objectContaining({ name: 'proof', ok: false }));

    // The same log name under a key the exchange does not trust: the checkpoint is not accepted.
    const otherLog = verifierKey(logKey.split('+')[0]!, generateKeyPair().publicKey);
    const f = await runBin(['cert', 'verify', demo.certificates.files[0]!, '--log-key', otherLog, '--status-list', demo.statusLists, '--json']);
    expect(f.status).toBe(1);
    expect(JSON.parse(f.stdout).checks).toContainEqual(expect.objectContaining({ name: 'checkpoint', ok: false }));
  });

  it('exits 1 without a status list (revocation cannot be checked offline), 2 on a missing file', async () => {
    const r = await runBin(['cert', 'verify', demo.certificates.files[0]!, '--log-key', logKey, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).checks).toContainEqual(expect.objectContaining({ name: 'status', code: 'CERT_STATUS_UNAVAILABLE' }));
    const missing = await runBin(['cert', 'verify', join(dir, 'nope.json'), '--log-key', logKey]);
    expect(missing.status).toBe(2);
  });
});
