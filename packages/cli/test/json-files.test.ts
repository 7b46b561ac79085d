/**
 * JSON files the CLI reads (certificates, status lists, key files) are untrusted input, read
 * with core's `parseJson`: a duplicate member name (I-JSON, RFC 7493 §2.3) — a second
 * `credentialStatus` or `proof` that a last-member-wins reader would silently pick — is a
 * usage error (exit 2, CLI_JSON_INVALID), never a verdict on a certificate nobody wrote.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { verifierKey } from '@dataledger/provenance';
import { runBin, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
const logKey = verifierKey('example.test/json-files', generateKeyPair().publicKey);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe('JSON files read by the CLI', () => {
  it('a certificate file with a duplicate member is CLI_JSON_INVALID (exit 2)', async () => {
    const file = join(dir, 'dup-cert.json');
    await writeFile(file, '{"type":["VerifiableCredential"],"proof":{"a":1},"proof":{"b":2}}');
    const r = await runBin(['cert', 'verify', file, '--log-key', logKey, '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_JSON_INVALID');
  });

  it('a status list file with a duplicate member is CLI_JSON_INVALID (exit 2)', async () => {
    const cert = join(dir, 'cert.json');
    await writeFile(cert, '{"type":["VerifiableCredential"]}');
    const list = join(dir, 'dup-list.json');
    await writeFile(list, '{"credentialSubject":{"encodedList":"x","encodedList":"y"}}');
    const r = await runBin(['cert', 'verify', cert, '--log-key', logKey, '--status-list', list, '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_JSON_INVALID');
  });

  it('a key file with a duplicate secretKey is CLI_KEYFILE_INVALID (exit 2)', async () => {
    const key = join(dir, 'dup-key.json');
    await writeFile(key, `{"secretKey":"${'11'.repeat(32)}","secretKey":"${'22'.repeat(32)}"}`);
    const r = await runBin(['checkpoint', 'watch', 'http://127.0.0.1:9', '--once', '--log-key', logKey, '--cosign', key]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CLI_KEYFILE_INVALID');
  });
});
