import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, isDataLedgerError, toBase64 } from '@dataledger/core';
import { parseVerifierKey, verifierKey } from '@dataledger/provenance';
import { openDataDir } from '../src/datadir.ts';
import { parseKeyFile } from '../src/keyfile.ts';
import { runBin, tempDir } from './helpers.ts';

/**
 * Data directories: each new ledger gets its own origin (DESIGN.md "Each ledger has its own
 * origin (settable; two fresh data dirs never share one)"), stored in the directory, and
 * every key file is the one `keygen` format.
 */
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

async function originOf(data: string): Promise<string> {
  return parseVerifierKey((await readFile(join(data, 'log.vkey'), 'utf8')).trim()).name;
}

describe('ledger origins', () => {
  it('two fresh data directories never share an origin; each keeps its own on reopening', async () => {
    const origins: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const s = await openDataDir(join(dir, name));
      origins.push(s.origin);
      expect(await originOf(join(dir, name))).toBe(s.origin);
      await s.close();
    }
    expect(new Set(origins).size).toBe(3);
    // C2SP tlog-checkpoint: a schema-less, URL-like origin.
    for (const o of origins) expect(o).toMatch(/^dataledger\.local\/log\/[0-9a-f]{16}$/);
    const again = await openDataDir(join(dir, 'a'));
    expect(again.origin).toBe(origins[0]);
    await again.close();
  });

  it('--origin names a new ledger; an existing ledger refuses another origin (exit 2) and is unchanged', async () => {
    const data = join(dir, 'named');
    const s = await openDataDir(data, { origin: 'example.org/registry/log' });
    expect(s.origin).toBe('example.org/registry/log');
    await s.close();
    expect(await originOf(data)).toBe('example.org/registry/log');
    await expect(openDataDir(data, { origin: 'example.org/other' })).rejects.toSatisfy((e) => isDataLedgerError(e) && e.code === 'CLI_USAGE');
    expect(await originOf(data)).toBe('example.org/registry/log');
    // Through the bin: demo honours --origin; a bad origin is a usage error that creates nothing.
    const demo = await runBin(['demo', '--data', join(dir, 'demo'), '--assets', '1', '--no-statistics', '--origin', 'example.org/demo', '--json'], {
      timeoutMs: 90_000,
    });
    expect(demo.status, demo.stderr).toBe(0);
    expect(await originOf(join(dir, 'demo'))).toBe('example.org/demo');
    const bad = await runBin(['demo', '--data', join(dir, 'bad'), '--origin', 'two words']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('CLI_USAGE');
    await expect(readFile(join(dir, 'bad', 'log.vkey'))).rejects.toThrow();
  }, 120_000);
});

describe('one key-file format', () => {
  it('root.key and log.key are the keygen JSON, and name the keys the ledger uses', async () => {
    const data = join(dir, 'keys');
    const s = await openDataDir(data);
    const rootDid = s.rootAuthority.did;
    const vkey = s.logVerifierKey;
    await s.close();
    for (const f of ['root.key', 'log.key']) {
      const json = JSON.parse(await readFile(join(data, f), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(json).sort()).toEqual(['did', 'secretKey', 'type']);
      expect(json['type']).toBe('Ed25519');
    }
    const root = parseKeyFile(await readFile(join(data, 'root.key'), 'utf8'));
    expect(root.did).toBe(rootDid);
    expect((await readFile(join(data, 'root.did'), 'utf8')).trim()).toBe(rootDid);
    const logKey = parseKeyFile(await readFile(join(data, 'log.key'), 'utf8'));
    expect(verifierKey(parseVerifierKey(vkey).name, logKey.publicKey)).toBe(vkey);
  });

  it('a data directory of an earlier release (bare base64 seeds) still opens, with the same keys', async () => {
    const data = join(dir, 'old');
    const s = await openDataDir(data);
    const before = { root: s.rootAuthority.did, vkey: s.logVerifierKey, size: s.size };
    await s.close();
    for (const f of ['root.key', 'log.key']) {
      const k = parseKeyFile(await readFile(join(data, f), 'utf8'));
      await writeFile(join(data, f), `${toBase64(k.secretKey)}\n`, { mode: 0o600 });
    }
    const reopened = await openDataDir(data);
    expect({ root: reopened.rootAuthority.did, vkey: reopened.logVerifierKey, size: reopened.size }).toEqual(before);
    await reopened.close();
  });

  it('keygen --origin prints the key as the C2SP verifier key of a log of that origin', async () => {
    const file = join(dir, 'log-key.json');
    const r = await runBin(['keygen', '--out', file, '--origin', 'example.org/log', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { did: string; vkey: string; origin: string };
    const key = parseKeyFile(await readFile(file, 'utf8'));
    expect(out.did).toBe(didKeyFromPublicKey(key.publicKey));
    expect(out.vkey).toBe(verifierKey('example.org/log', key.publicKey));
  });
});
