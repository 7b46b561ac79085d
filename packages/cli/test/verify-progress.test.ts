import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@dataledger/core';
import { Log, buildChain, memoryStore } from '@dataledger/provenance';
import type { CliIo } from '../src/index.ts';
import { auditCommand } from '../src/commands/audit.ts';
import { verifyCommand } from '../src/commands/verify.ts';
import { tempDir } from './helpers.ts';

/** `verify` and `audit` draw a progress bar on a TTY for long bundles, and never on a pipe or with short ones. */
let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let logKey: string;

function captureIo(isTTY: boolean): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s), isTTY, columns: 100 },
      env: {},
      cwd: dir,
    },
    out: () => out,
    err: () => err,
  };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const log = await Log.open(memoryStore(), { origin: 'example.test/progress', logKey: { secretKey: generateKeyPair().secretKey } });
  const actor = generateKeyPair();
  const filler = 'x'.repeat(1200);
  await log.appendBatch(
    buildChain(
      log.head(),
      Array.from({ length: 1000 }, (_, i) => ({ type: 'test.blob', payload: { i, filler }, signer: actor })),
    ),
  );
  const lines: string[] = [];
  for await (const line of log.exportBundle()) lines.push(line);
  logKey = log.verifierKey;
  await log.close();
  file = join(dir, 'big.jsonl');
  await writeFile(file, lines.join(''));
});
afterAll(async () => cleanup());

describe('verify progress bar', () => {
  it('is drawn on stderr when stderr is a TTY and the bundle is long; stdout stays exactly the JSON', async () => {
    const c = captureIo(true);
    expect(await verifyCommand(file, { logKey: [logKey], json: true }, c.io)).toBe(0);
    expect(c.err()).toMatch(/verifying \[.*\] \d+% \| \d+ records/);
    expect(JSON.parse(c.out())).toEqual({ valid: true, size: 1000, firstBadIndex: null, code: null, logKey, trusted: true });
  });

  it('is not drawn when stderr is not a TTY', async () => {
    const c = captureIo(false);
    expect(await verifyCommand(file, { logKey: [logKey], json: true }, c.io)).toBe(0);
    expect(c.err()).toBe('');
  });

  it('audit draws it too on a TTY (and only there); stdout stays exactly the JSON report', async () => {
    const c = captureIo(true);
    // The records are not registry records: the audit reports violations (exit 1); the bar is what is checked.
    expect(await auditCommand(file, { logKey: [logKey], json: true }, c.io)).toBe(1);
    expect(c.err()).toMatch(/auditing \[.*\] \d+% \| \d+ records/);
    expect(JSON.parse(c.out())).toMatchObject({ records: 1000, trusted: true, integrity: { valid: true } });
    const p = captureIo(false);
    await auditCommand(file, { logKey: [logKey], json: true }, p.io);
    expect(p.err()).toBe('');
  });
});
