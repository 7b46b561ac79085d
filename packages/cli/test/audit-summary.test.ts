import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair, type KeyPair } from '@dataledger/core';
import { Log, buildRecord, memoryStore, type RecordPayload } from '@dataledger/provenance';
import { runBin, tempDir } from './helpers.ts';
import { assetPayload } from '../../../test/support/fixtures.ts';

/**
 * `dataledger audit` for a regulator: a summary per rule (count, first examples with the
 * actor's role) that opens the report, integrity faults kept apart from rule violations.
 * The ledger is written with the library (which logs what it is given), so it can hold
 * records the registry's rules refuse — as a ledger written by other tools may.
 */
let dir: string;
let cleanup: () => Promise<void>;
let logKey: string;
let lines: string[];
let holderDid: string;

// The one asset fixture (test/support/fixtures.ts), held by `holder`.
function asset(regno: string, holder: string): RecordPayload {
  return assetPayload(regno, { did: holder });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const log = await Log.open(memoryStore(), { origin: 'example.test/audit', logKey: { secretKey: generateKeyPair().secretKey } });
  const root = generateKeyPair();
  const registry = generateKeyPair();
  const holder = generateKeyPair();
  holderDid = didKeyFromPublicKey(holder.publicKey);
  const did = (k: KeyPair): string => didKeyFromPublicKey(k.publicKey);
  const append = async (type: string, payload: RecordPayload, signer: KeyPair): Promise<void> => {
    await log.append(buildRecord(log.head(), { type, payload }, signer));
  };
  await append('ledger.genesis', { rootAuthority: did(root), ledgerName: 'audit test' }, root); // 0
  await append('role.granted', { subject: did(registry), role: 'registry' }, root); // 1
  await append('role.granted', { subject: holderDid, role: 'holder' }, root); // 2
  await append('asset.registered', asset('DL-0001', holderDid), registry); // 3: fine
  // DESIGN.md: asset.registered is written by the registry; a holder may not (three times).
  await append('asset.registered', asset('DL-0002', holderDid), holder); // 4
  await append('asset.registered', asset('DL-0003', holderDid), holder); // 5
  await append('asset.registered', asset('DL-0004', holderDid), holder); // 6
  await append('asset.registered', asset('DL-0005', holderDid), holder); // 7
  // Nothing circulates unreviewed (DESIGN.md rules): the holder transfers DL-0001 before review.
  await append('asset.transferred', { registrationNumber: 'DL-0001', to: { id: did(registry), foreign: false } }, holder); // 8
  lines = [];
  for await (const line of log.exportBundle()) lines.push(line);
  logKey = log.verifierKey;
  await log.close();
});
afterAll(async () => cleanup());

describe('dataledger audit summary', () => {
  it('opens with one entry per rule: count, first examples with the actor and its role', async () => {
    const file = join(dir, 'violations.jsonl');
    await writeFile(file, lines.join(''));
    const r = await runBin(['audit', file, '--log-key', logKey, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      trusted: boolean;
      integrity: { valid: boolean };
      rules: { code: string; count: number; examples: { index: number; actor: string; actorRoles: string[]; type: string }[] }[];
      violations: { index: number; code: string }[];
    };
    expect(report.integrity.valid).toBe(true);
    expect(report.violations.map((v) => v.index)).toEqual([4, 5, 6, 7, 8]);
    const unauthorised = report.rules.find((x) => x.code === 'REGISTRY_UNAUTHORISED');
    expect(unauthorised?.count).toBe(4);
    // The first examples only, in record order, each naming its actor and the actor's role.
    expect(unauthorised?.examples.map((e) => e.index)).toEqual([4, 5, 6]);
    for (const e of unauthorised!.examples) expect(e).toMatchObject({ actor: holderDid, actorRoles: ['holder'], type: 'asset.registered' });
    // Most frequent rule first; the other rule counted on its own.
    expect(report.rules[0]!.code).toBe('REGISTRY_UNAUTHORISED');
    expect(report.rules).toHaveLength(2);
    expect(report.rules[1]).toMatchObject({ code: 'REGISTRY_ASSET_UNREVIEWED', count: 1, examples: [{ index: 8, type: 'asset.transferred' }] });

    const text = await runBin(['audit', file, '--log-key', logKey]);
    expect(text.status).toBe(1);
    const out = text.stdout;
    // Integrity first, then the per-rule summary, before the full list and the statistics.
    expect(out.indexOf('integrity: valid')).toBe(0);
    expect(out).toMatch(/rules: 5 violations of 2 rules\n {2}REGISTRY_UNAUTHORISED {2}4\n {4}#4 asset\.registered by holder /);
    expect(out).toContain('… 1 more');
    expect(out.indexOf('REGISTRY_UNAUTHORISED')).toBeLessThan(out.indexOf('violations (all'));
    expect(out.indexOf('violations (all')).toBeLessThan(out.indexOf('statistics'));
    // One asset: its small cell reads <5 (never 0), and so does the zero hidden with it so the
    // total of 1 does not give it back (certificates README "Desensitisation (masking table)").
    expect(out).toMatch(/by classification:\n +general +<5\n +important +<5\n +core +0\n/);
  });

  it('keeps an integrity fault apart from the rule violations', async () => {
    const file = join(dir, 'cut.jsonl');
    await writeFile(file, lines.slice(0, -1).join('')); // no checkpoint
    const r = await runBin(['audit', file, '--log-key', logKey, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { integrity: { valid: boolean; code: string }; violations: { code: string }[]; rules: { code: string }[] };
    expect(report.integrity.valid).toBe(false);
    expect(report.integrity.code).toMatch(/^BUNDLE_/);
    expect(report.violations.every((v) => v.code.startsWith('REGISTRY_'))).toBe(true);
    expect(report.rules.every((v) => v.code.startsWith('REGISTRY_'))).toBe(true);
    const text = await runBin(['audit', file, '--log-key', logKey]);
    expect(text.stdout).toMatch(/^integrity: INVALID: BUNDLE_/);
  });
});
