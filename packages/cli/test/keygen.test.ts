import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPublicKey, isDidKey, publicKeyFromDidKey, sign, verify } from '@dataledger/core';
import { parseKeyFile, formatKeyFile } from '../src/keyfile.ts';
import { runBin, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

describe('dataledger keygen', () => {
  it('prints a did:key and writes the matching seed with mode 0600', async () => {
    const file = join(dir, 'k1.json');
    const r = await runBin(['keygen', '--out', file]);
    expect(r.status).toBe(0);
    const did = r.stdout.trim();
    expect(isDidKey(did)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const id = parseKeyFile(await readFile(file, 'utf8'));
    expect(id.did).toBe(did);
    // The written seed really is the key the did:key names: a signature by it verifies.
    const msg = new TextEncoder().encode('keygen');
    expect(verify(sign(msg, id.secretKey), msg, publicKeyFromDidKey(did))).toBe(true);
  });

  it('refuses to overwrite an existing key (exit 2) unless --force, and --force keeps 0600', async () => {
    const file = join(dir, 'k2.json');
    await writeFile(file, 'precious', { mode: 0o644 });
    const r = await runBin(['keygen', '--out', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_FILE_EXISTS');
    expect(await readFile(file, 'utf8')).toBe('precious');
    const forced = await runBin(['keygen', '--out', file, '--force', '--json']);
    expect(forced.status).toBe(0);
    const out = JSON.parse(forced.stdout) as { did: string; file: string };
    expect(out.file).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(parseKeyFile(await readFile(file, 'utf8')).did).toBe(out.did);
  });

  it('two runs make different keys', async () => {
    const a = await runBin(['keygen', '--out', join(dir, 'a.json')]);
    const b = await runBin(['keygen', '--out', join(dir, 'b.json')]);
    expect(a.stdout.trim()).not.toBe(b.stdout.trim());
  });
});

describe('key files', () => {
  it('accept the keygen JSON and bare hex / base64 seeds, and refuse anything else with CLI_KEYFILE_INVALID', () => {
    const seed = new Uint8Array(32).map((_, i) => i + 1);
    const fromJson = parseKeyFile(formatKeyFile(seed));
    expect(fromJson.publicKey).toEqual(getPublicKey(seed));
    const hex = Buffer.from(seed).toString('hex');
    const b64 = Buffer.from(seed).toString('base64');
    const b64url = Buffer.from(seed).toString('base64url');
    for (const text of [hex, b64, b64url, `${b64}\n`]) expect(parseKeyFile(text).did).toBe(fromJson.did);
    for (const bad of ['', 'nope', Buffer.from(seed.subarray(1)).toString('hex'), '{"secretKey": 3}', '{bad json']) {
      expect(() => parseKeyFile(bad)).toThrow(expect.objectContaining({ code: 'CLI_KEYFILE_INVALID' }));
    }
    const forgedDid = JSON.stringify({ ...JSON.parse(formatKeyFile(seed)), did: parseKeyFile(formatKeyFile(new Uint8Array(32))).did });
    expect(() => parseKeyFile(forgedDid)).toThrow(expect.objectContaining({ code: 'CLI_KEYFILE_INVALID' }));
  });
});
