import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disclosureDigest, makeDisclosure, openDisclosure, payloadDigests } from '@dataledger/certificates';
import type { LedgerRecord } from '@dataledger/provenance';
import { runBin, startBin, tempDir, waitForExit, waitForOutput, type RunResult } from './helpers.ts';

/**
 * Confidential members through the CLI against a real `serve` on 127.0.0.1 (DESIGN.md
 * "Disclosure policy"; SD-JWT disclosures, RFC 9901 §4.2): the verbs conceal before signing
 * and hand the disclosures back; `export --disclosures` writes the regulator's disclosures
 * beside the bundle; `verify`/`audit` check every rule with them, list the rules they could not
 * check without them, and refuse a changed one; `erase` removes a disclosure from the vault
 * and the ledger still verifies.
 */
let dir: string;
let cleanup: () => Promise<void>;
let server: ChildProcess;
let url: string;
let vkey: string;
const did: Record<string, string> = {};
const key = (name: string): string => join(dir, `${name}.json`);
/** Indexes of the records written, by what they are. */
const at: Record<string, number> = {};
/** Every disclosure the writers were handed back, by record index. */
const handed = new Map<number, string[]>();

function cli(args: string[]): Promise<RunResult> {
  return runBin(args, { cwd: dir, env: { DATALEDGER_URL: url } });
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.status, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Runs a verb with --json and keeps what it handed back. */
async function write(name: string, args: string[]): Promise<{ index: number; record: LedgerRecord; disclosures: string[] }> {
  const receipt = JSON.parse(await ok([...args, '--json'])) as { index: number; record: LedgerRecord; disclosures: string[] };
  at[name] = receipt.index;
  handed.set(receipt.index, receipt.disclosures);
  return receipt;
}

const lines = async (file: string): Promise<string[]> => (await readFile(join(dir, file), 'utf8')).split('\n').filter((l) => l !== '');

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const data = join(dir, 'data');
  server = startBin(['serve', '--port', '0', '--data', data]);
  const { match } = await waitForOutput(server, /listening on (http:\/\/[^\s]+)/);
  url = match[1]!;
  vkey = (await readFile(join(data, 'log.vkey'), 'utf8')).trim();
  const names = ['registry', 'reviewer', 'appraiser', 'holder', 'regulator', 'licensee', 'subject', 'stranger'];
  const made = await Promise.all(names.map((n) => runBin(['keygen', '--out', key(n), '--json'])));
  names.forEach((n, i) => (did[n] = (JSON.parse(made[i]!.stdout) as { did: string }).did));
  await writeFile(join(dir, 'data.csv'), 'road,count\nA1,1200\n');
  const root = join(data, 'root.key');
  for (const [n, role] of [
    ['registry', 'registry'],
    ['reviewer', 'reviewer'],
    ['appraiser', 'appraiser'],
    ['holder', 'holder'],
    ['regulator', 'regulator'],
    ['licensee', 'exchange'],
  ] as const) {
    await ok(['role', 'grant', '--subject', did[n]!, '--role', role, '--key', root]);
  }
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitForExit(server);
  }
  await cleanup();
});

describe('confidential members through the CLI', () => {
  it('the verbs log digests, never the values, and hand the disclosures back (--json, --disclosures-out)', async () => {
    const reg = await write('registered', [
      'asset',
      'register',
      '--number',
      'DL-2026-0001',
      '--name',
      'Road traffic counts',
      '--holder',
      did['holder']!,
      '--holder-name',
      'Transport Bureau of Xicheng',
      '--department',
      'Transport Bureau',
      '--basis',
      'Road Traffic Safety Law art. 8',
      '--classification',
      'general',
      '--data',
      'data.csv',
      '--rows',
      '52000',
      '--valid-until',
      '2030-12-31',
      '--description',
      'Counts of vehicles at 40 crossings',
      '--data-subject',
      did['subject']!,
      '--disclosures-out',
      'writer.disclosures',
      '--key',
      key('registry'),
    ]);
    // The default policy (DESIGN.md): holder.name, description, subjects concealed (no valuation given).
    expect(reg.disclosures).toHaveLength(3);
    const logged = JSON.stringify(reg.record);
    for (const value of ['Transport Bureau of Xicheng', 'Counts of vehicles', did['subject']!]) expect(logged).not.toContain(value);
    const payload = reg.record.payload as Record<string, unknown>;
    expect(payload['description']).toBeUndefined();
    expect(payload['subjects']).toBeUndefined();
    expect((payload['holder'] as Record<string, unknown>)['name']).toBeUndefined();
    // Each disclosure hashes to a digest of the record (RFC 9901 §4.2.3) and names its member.
    const digests = payloadDigests(reg.record.payload);
    expect(new Set(reg.disclosures.map((d) => disclosureDigest(d)))).toEqual(new Set(digests.map((d) => d.digest)));
    expect(reg.disclosures.map((d) => openDisclosure(d).name).sort()).toEqual(['description', 'name', 'subjects']);
    expect(await lines('writer.disclosures')).toEqual(reg.disclosures);
    // Disclosures are what the log conceals: the file is its owner's only.
    expect((await stat(join(dir, 'writer.disclosures'))).mode & 0o077).toBe(0);

    // Text mode says where the disclosures are.
    const review = await ok(['asset', 'review', '--number', 'DL-2026-0001', '--opinion', 'Lawful basis verified', '--key', key('reviewer')]);
    const reviewIndex = Number(/appended #(\d+)/.exec(review)![1]);
    at['reviewed'] = reviewIndex;
    expect(review).toMatch(/disclosures 1 confidential member/);
    expect(review).toContain(`/v1/records/${reviewIndex}/disclosures`);
    const value = await ok([
      'asset',
      'value',
      '--number',
      'DL-2026-0001',
      '--amount',
      '1250000.00',
      '--method',
      'income',
      '--disclosures-out',
      'writer.disclosures',
      '--key',
      key('appraiser'),
    ]);
    at['valued'] = Number(/appended #(\d+)/.exec(value)![1]);
    expect(value).toContain(`disclosures appended to ${join(dir, 'writer.disclosures')}`);
    expect(await lines('writer.disclosures')).toHaveLength(4);

    const consent = await write('consent', [
      'consent',
      'grant',
      '--number',
      'DL-2026-0001',
      '--licensee',
      did['licensee']!,
      '--purpose',
      'traffic planning',
      '--person-name',
      'Zhang San',
      '--person-phone',
      '13800138000',
      '--key',
      key('subject'),
    ]);
    expect(consent.disclosures.map((d) => openDisclosure(d).name)).toEqual(['person']);
    expect(JSON.stringify(consent.record)).not.toContain('Zhang San');
    const licence = await write('licence', [
      'licence',
      'grant',
      '--number',
      'DL-2026-0001',
      '--licensee',
      did['licensee']!,
      '--licensee-name',
      'Beijing Data Exchange',
      '--purpose',
      'traffic planning',
      '--scope',
      'read',
      '--until',
      '2029-06-30',
      '--fee',
      '30000.00',
      '--key',
      key('holder'),
    ]);
    expect(licence.disclosures.map((d) => openDisclosure(d).name).sort()).toEqual(['fee', 'name']);
  }, 120_000);

  it('export --disclosures writes the vault’s disclosures beside the bundle; verify and audit check every rule with them', async () => {
    await ok(['export', '--url', url, '--out', 'plain.jsonl']);
    await ok(['export', '--url', url, '--out', 'ledger.jsonl', '--disclosures', 'ledger.disclosures', '--key', key('regulator')]);
    expect((await stat(join(dir, 'ledger.disclosures'))).mode & 0o077).toBe(0);
    const exported = await lines('ledger.disclosures');
    // Everything the writers were handed back (the review's and valuation's were read in text mode).
    const { disclosures: reviewed } = JSON.parse(await ok(['get', `/v1/records/${at['reviewed']}/disclosures`, '--key', key('reviewer'), '--json'])) as {
      disclosures: string[];
    };
    expect(reviewed).toHaveLength(1);
    const all = [...[...handed.values()].flat(), ...reviewed, (await lines('writer.disclosures'))[3]!];
    expect(new Set(exported)).toEqual(new Set(all));
    // The bundle carries none of the values.
    const bundle = await readFile(join(dir, 'ledger.jsonl'), 'utf8');
    for (const v of ['Transport Bureau of Xicheng', 'Zhang San', 'Beijing Data Exchange', '1250000.00', 'Lawful basis verified'])
      expect(bundle).not.toContain(v);

    const verify = JSON.parse(await ok(['verify', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'ledger.disclosures', '--json'])) as Record<
      string,
      unknown
    >;
    expect(verify).toMatchObject({
      valid: true,
      trusted: true,
      complete: true,
      unchecked: [],
      violations: 0,
      disclosures: { given: all.length, used: all.length },
    });
    const audit = JSON.parse(await ok(['audit', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'ledger.disclosures', '--json'])) as Record<
      string,
      unknown
    >;
    expect(audit).toMatchObject({
      valid: true,
      complete: true,
      unchecked: [],
      violations: [],
      erasures: [],
      disclosures: { given: all.length, used: all.length },
    });
    const text = await ok(['audit', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'ledger.disclosures']);
    expect(text).toContain('every rule checked');
    // The live log from its tiles, the same way.
    const live = JSON.parse(await ok(['verify', '--url', url, '--log-key', vkey, '--disclosures', 'ledger.disclosures', '--json'])) as Record<string, unknown>;
    expect(live).toMatchObject({ valid: true, complete: true, unchecked: [] });
  }, 120_000);

  it('without disclosures, verify and audit check what is public and list the rules they could not check', async () => {
    const verify = JSON.parse(await ok(['verify', 'plain.jsonl', '--log-key', vkey, '--json'])) as {
      valid: boolean;
      complete: boolean;
      unchecked: { rule: string; indexes: number[] }[];
    };
    expect(verify.valid).toBe(true);
    expect(verify.complete).toBe(false);
    // The consent rule needs the asset's data subjects, which are concealed (DESIGN.md rules).
    expect(verify.unchecked.find((u) => u.rule === 'REGISTRY_CONSENT_MISSING')?.indexes).toContain(at['licence']);
    const audit = JSON.parse(await ok(['audit', 'plain.jsonl', '--log-key', vkey, '--json'])) as { valid: boolean; complete: boolean; unchecked: unknown[] };
    expect(audit.valid).toBe(true);
    expect(audit.complete).toBe(false);
    expect(audit.unchecked).toEqual(verify.unchecked);
    for (const args of [
      ['verify', 'plain.jsonl', '--log-key', vkey],
      ['audit', 'plain.jsonl', '--log-key', vkey],
    ]) {
      const out = await ok(args);
      expect(out).toContain(`${verify.unchecked.length} rules not checked: disclosures needed`);
      expect(out).toContain('REGISTRY_CONSENT_MISSING');
    }
  }, 120_000);

  it('a changed disclosure is refused: exit 1 with DISCLOSURE_FOREIGN; a malformed one exits 2', async () => {
    const exported = await lines('ledger.disclosures');
    const victim = exported.findIndex((d) => openDisclosure(d).name === 'fee');
    const { salt, name } = openDisclosure(exported[victim]!);
    const changed = [...exported];
    changed[victim] = makeDisclosure(name, { amount: '1.00', currency: 'CNY' }, salt).disclosure;
    await writeFile(join(dir, 'changed.disclosures'), `${changed.join('\n')}\n`);
    const verify = await cli(['verify', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'changed.disclosures', '--json']);
    expect(verify.status).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({ valid: false, code: 'DISCLOSURE_FOREIGN' });
    const audit = await cli(['audit', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'changed.disclosures', '--json']);
    expect(audit.status).toBe(1);
    const report = JSON.parse(audit.stdout) as { valid: boolean; violations: { code: string }[] };
    expect(report.valid).toBe(false);
    expect(report.violations.map((v) => v.code)).toContain('DISCLOSURE_FOREIGN');

    await writeFile(join(dir, 'broken.disclosures'), `# comment\n${exported[0]}\nnot*base64url\n`);
    const broken = await cli(['verify', 'ledger.jsonl', '--log-key', vkey, '--disclosures', 'broken.disclosures']);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain('DISCLOSURE_MALFORMED');
    expect(broken.stderr).toContain('line 3');
  }, 120_000);

  it('erase: the data subject and the regulator erase; the ledger still verifies, the audit lists the erasures, a new export lacks them', async () => {
    const consentIndex = at['consent']!;
    const [person] = handed.get(consentIndex)!;
    const personDigest = disclosureDigest(person!);
    // A stranger may not erase.
    const refused = await cli([
      'erase',
      '--index',
      String(consentIndex),
      '--digest',
      personDigest,
      '--member',
      'person',
      '--reason',
      'no',
      '--key',
      key('stranger'),
    ]);
    expect(refused.status).toBe(1);
    // The data subject erases its consent's person (the member read from its own disclosure).
    const byDataSubject = await ok([
      'erase',
      '--index',
      String(consentIndex),
      '--digest',
      personDigest,
      '--reason',
      'request of the data subject',
      '--key',
      key('subject'),
    ]);
    expect(byDataSubject).toContain(`erased     person of record #${consentIndex}`);
    // The regulator erases the asset's description.
    const registered = handed.get(at['registered']!)!;
    const description = registered.find((d) => openDisclosure(d).name === 'description')!;
    await ok([
      'erase',
      '--index',
      String(at['registered']),
      '--digest',
      disclosureDigest(description),
      '--member',
      'description',
      '--reason',
      'court order 2026-17',
      '--json',
      '--key',
      key('regulator'),
    ]);

    await ok(['export', '--url', url, '--out', 'after.jsonl', '--disclosures', 'after.disclosures', '--key', key('regulator')]);
    const after = await lines('after.disclosures');
    const before = await lines('ledger.disclosures');
    expect(after).not.toContain(person);
    expect(after).not.toContain(description);
    expect(new Set(after)).toEqual(new Set(before.filter((d) => d !== person && d !== description)));

    // The old bundle and the new one still verify; the new one with every rule it can check.
    expect(JSON.parse(await ok(['verify', 'ledger.jsonl', '--log-key', vkey, '--json']))).toMatchObject({ valid: true });
    expect(JSON.parse(await ok(['verify', 'after.jsonl', '--log-key', vkey, '--disclosures', 'after.disclosures', '--json']))).toMatchObject({
      valid: true,
      violations: 0,
    });
    const audit = JSON.parse(await ok(['audit', 'after.jsonl', '--log-key', vkey, '--disclosures', 'after.disclosures', '--json'])) as {
      valid: boolean;
      erasures: { target: number; actor: string; erased: { digest: string; member: string }[]; reason: string }[];
    };
    expect(audit.valid).toBe(true);
    expect(audit.erasures).toMatchObject([
      { target: consentIndex, actor: did['subject'], erased: [{ digest: personDigest, member: 'person' }], reason: 'request of the data subject' },
      {
        target: at['registered'],
        actor: did['regulator'],
        erased: [{ digest: disclosureDigest(description), member: 'description' }],
        reason: 'court order 2026-17',
      },
    ]);
    const text = await ok(['audit', 'after.jsonl', '--log-key', vkey, '--disclosures', 'after.disclosures']);
    expect(text).toContain('erasures: 2');
    expect(text).toContain(`record #${consentIndex} person (request of the data subject)`);
  }, 120_000);
});
