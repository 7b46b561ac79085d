import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { Log, buildRecord, memoryStore, signCheckpoint, openCheckpoint, verifierKey } from '@dataledger/provenance';
import { runBin, tempDir } from './helpers.ts';

/**
 * `dataledger verify` against bundles made with the library: a genuine one, and each way a
 * bundle can be tampered with (edited, reordered, truncated, re-signed by a foreign key).
 */
const ORIGIN = 'example.test/verify';
let dir: string;
let cleanup: () => Promise<void>;
let lines: string[];
let logKey: string;
let foreignKey: string;
let foreignSecret: Uint8Array;

async function writeBundle(name: string, content: string[] | string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : content.join(''));
  return file;
}

async function verifyJson(file: string, extra: string[] = []): Promise<{ status: number | null; out: Record<string, unknown> }> {
  const r = await runBin(['verify', file, '--json', ...extra]);
  expect(r.stderr).toBe('');
  return { status: r.status, out: JSON.parse(r.stdout) as Record<string, unknown> };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const logSecret = generateKeyPair().secretKey;
  const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey: { secretKey: logSecret } });
  const actors = [generateKeyPair(), generateKeyPair()];
  for (let i = 0; i < 12; i++) {
    const signer = actors[i % 2]!;
    await log.append(buildRecord(log.head(), { type: 'test.note', payload: { n: i, text: `record ${i}` } }, signer));
  }
  lines = [];
  for await (const line of log.exportBundle()) lines.push(line);
  logKey = log.verifierKey;
  await log.close();
  const foreign = generateKeyPair();
  foreignSecret = foreign.secretKey;
  foreignKey = verifierKey(ORIGIN, foreign.publicKey);
});
afterAll(async () => cleanup());

describe('dataledger verify', () => {
  it('exits 0 on a genuine bundle and prints exactly { valid, size, firstBadIndex, code, logKey, trusted }', async () => {
    const file = await writeBundle('good.jsonl', lines);
    const { status, out } = await verifyJson(file, ['--log-key', logKey]);
    expect(status).toBe(0);
    expect(out).toEqual({ valid: true, size: 12, firstBadIndex: null, code: null, logKey, trusted: true });
  });

  it('exits 1 with valid:false on an edited record', async () => {
    const edited = [...lines];
    const record = JSON.parse(edited[5]!) as { payload: { text: string } };
    record.payload.text = 'record 4 (edited)';
    edited[5] = `${JSON.stringify(record)}\n`;
    const { status, out } = await verifyJson(await writeBundle('edited.jsonl', edited), ['--log-key', logKey]);
    expect(status).toBe(1);
    expect(out).toMatchObject({ valid: false, firstBadIndex: 4, code: 'BUNDLE_SIGNATURE_INVALID' });
  });

  it('exits 1 on reordered lines', async () => {
    const reordered = [...lines];
    [reordered[3], reordered[4]] = [reordered[4]!, reordered[3]!];
    const { status, out } = await verifyJson(await writeBundle('reordered.jsonl', reordered), ['--log-key', logKey]);
    expect(status).toBe(1);
    expect(out).toMatchObject({ valid: false, firstBadIndex: 2, code: 'BUNDLE_INDEX_MISMATCH' });
  });

  it('exits 1 on a truncated file (records dropped, checkpoint kept; or cut mid-file)', async () => {
    const dropped = [...lines.slice(0, 8), lines.at(-1)!];
    const a = await verifyJson(await writeBundle('dropped.jsonl', dropped), ['--log-key', logKey]);
    expect(a.status).toBe(1);
    expect(a.out).toMatchObject({ valid: false, code: 'BUNDLE_TRUNCATED', size: 7 });
    const text = lines.join('');
    const b = await verifyJson(await writeBundle('cut.jsonl', text.slice(0, Math.floor(text.length * 0.6))), ['--log-key', logKey]);
    expect(b.status).toBe(1);
    expect(b.out['valid']).toBe(false);
    expect(['BUNDLE_TRUNCATED', 'BUNDLE_RECORD_MALFORMED', 'BUNDLE_MALFORMED']).toContain(b.out['code']);
    const c = await verifyJson(await writeBundle('nocheckpoint.jsonl', lines.slice(0, -1)), ['--log-key', logKey]);
    expect(c.status).toBe(1);
    expect(c.out).toMatchObject({ valid: false, code: 'BUNDLE_TRUNCATED' });
  });

  it('exits 1 when the checkpoint is signed by a foreign key, given the real --log-key', async () => {
    // A forger rebuilds the same tree and signs its checkpoint with its own key, naming that key in the header.
    const { checkpoint } = openCheckpoint(JSON.parse(lines.at(-1)!) as string, [logKey]);
    const forged = [...lines];
    forged[0] = `${JSON.stringify({ ...(JSON.parse(lines[0]!) as object), logKey: foreignKey })}\n`;
    forged[forged.length - 1] = `${JSON.stringify(signCheckpoint(checkpoint, { name: ORIGIN, secretKey: foreignSecret }))}\n`;
    const file = await writeBundle('foreign.jsonl', forged);
    // Self-consistent: checked against its own key it verifies, names the forger's key, and
    // says it is not trusted.
    const self = await verifyJson(file, ['--trust-bundle-key']);
    expect(self.status).toBe(0);
    expect(self.out['logKey']).toBe(foreignKey);
    expect(self.out['trusted']).toBe(false);
    const pinned = await verifyJson(file, ['--log-key', logKey]);
    expect(pinned.status).toBe(1);
    expect(pinned.out).toMatchObject({ valid: false, code: 'BUNDLE_CHECKPOINT_UNTRUSTED' });
    // And the genuine bundle is refused when the operator pins some other key.
    const other = await verifyJson(await writeBundle('good2.jsonl', lines), ['--log-key', foreignKey]);
    expect(other.status).toBe(1);
    expect(other.out).toMatchObject({ valid: false, code: 'BUNDLE_CHECKPOINT_UNTRUSTED' });
  });

  it('exits 1 on garbage, and reads "-" as stdin', async () => {
    const g = await verifyJson(await writeBundle('garbage.jsonl', 'not a bundle\n\u0000\u0001'), ['--log-key', logKey]);
    expect(g.status).toBe(1);
    expect(g.out['valid']).toBe(false);
    const r = await runBin(['verify', '-', '--json', '--log-key', logKey], { input: lines.join('') });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, size: 12 });
  });

  it('exits 2 on a missing file or a malformed --log-key', async () => {
    const missing = await runBin(['verify', join(dir, 'nope.jsonl'), '--log-key', logKey]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('CLI_FILE_UNREADABLE');
    const badKey = await runBin(['verify', await writeBundle('good3.jsonl', lines), '--log-key', 'not-a-key']);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain('CLI_USAGE');
  });

  it('trusts nothing implicitly: without --log-key, verify and audit exit 2 naming --log-key (DESIGN.md: verifiers trust only the log keys they are given)', async () => {
    const file = await writeBundle('trust.jsonl', lines);
    for (const command of ['verify', 'audit']) {
      for (const extra of [[], ['--json']]) {
        const r = await runBin([command, file, ...extra]);
        expect(r.status, `${command} ${extra.join(' ')}`).toBe(2);
        expect(r.stderr).toContain('--log-key');
        expect(r.stderr).toContain('CLI_USAGE');
        expect(r.stdout).toBe('');
      }
    }
  });

  it('--trust-bundle-key checks against the bundle\'s own key and says "trusted": false in text and JSON', async () => {
    const file = await writeBundle('trust2.jsonl', lines);
    const text = await runBin(['verify', file, '--trust-bundle-key']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('trusted: false');
    expect(text.stderr).toContain('--log-key');
    const json = await verifyJson(file, ['--trust-bundle-key']);
    expect(json.out).toEqual({ valid: true, size: 12, firstBadIndex: null, code: null, logKey, trusted: false });
    // audit: the same flag, the same field (the records here are not registry records, so
    // the rules are broken; what matters is the trust field).
    const audit = await runBin(['audit', file, '--trust-bundle-key', '--json']);
    expect(JSON.parse(audit.stdout)).toMatchObject({ trusted: false, integrity: { valid: true, logKey } });
    const auditText = await runBin(['audit', file, '--trust-bundle-key']);
    expect(auditText.stdout).toContain('trusted: false');
    const pinned = await runBin(['audit', file, '--log-key', logKey, '--json']);
    expect(JSON.parse(pinned.stdout)).toMatchObject({ trusted: true });
    // An invalid bundle carries the field too.
    const bad = await verifyJson(await writeBundle('trust3.jsonl', lines.slice(0, -1)), ['--trust-bundle-key']);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatchObject({ valid: false, trusted: false });
  });
});
