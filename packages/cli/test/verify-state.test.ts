/**
 * `dataledger verify --state FILE` (issue 9 B8, rollback): the state file — the same format
 * `checkpoint watch --state` keeps, the last verified signed checkpoint — makes a bundle cut
 * back to an older checkpoint the log really signed invalid (exit 1, BUNDLE_ROLLBACK), and a
 * forked history signed by the same key invalid (BUNDLE_INCONSISTENT). A valid bundle moves the
 * state forward; an invalid one leaves it alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '@dataledger/core';
import { buildRecord, Log, memoryStore, openCheckpoint } from '@dataledger/provenance';
import { runBin, tempDir } from './helpers.ts';

const ORIGIN = 'example.test/verify-state';
let dir: string;
let cleanup: () => Promise<void>;
let logSecret: Uint8Array;
let logKey: string;
const actor: KeyPair = generateKeyPair();

async function bundleOf(records: number, payloadTag = 'honest'): Promise<string> {
  const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey: { secretKey: logSecret } });
  // Fixed times: bundles of one tag are prefixes of each other (one history cut at two sizes).
  for (let i = 0; i < records; i++) {
    const time = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
    await log.append(buildRecord(log.head(), { type: 'test.note', payload: { n: i, tag: payloadTag }, time }, actor));
  }
  const lines: string[] = [];
  for await (const l of log.exportBundle()) lines.push(l);
  logKey = log.verifierKey;
  await log.close();
  const file = join(dir, `${payloadTag}-${records}.jsonl`);
  await writeFile(file, lines.join(''));
  return file;
}

async function verify(file: string, state: string, extra: string[] = ['--log-key', logKey]): Promise<{ status: number | null; out: Record<string, unknown> }> {
  const r = await runBin(['verify', file, '--json', '--state', state, ...extra]);
  return { status: r.status, out: r.stdout === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>) };
}

const stateSize = async (state: string): Promise<number> => openCheckpoint(await readFile(state, 'utf8'), [logKey]).checkpoint.size;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  logSecret = generateKeyPair().secretKey;
});
afterAll(async () => cleanup());

describe('dataledger verify --state', () => {
  it('remembers the newest valid checkpoint and refuses an older bundle or a fork', async () => {
    const state = join(dir, 'state');
    const old = await bundleOf(5);
    const current = await bundleOf(9);
    const fork = await bundleOf(9, 'forked');

    // First run: no state yet; the bundle is valid and its checkpoint is remembered.
    expect(await verify(current, state)).toMatchObject({ status: 0, out: { valid: true, size: 9 } });
    expect(await stateSize(state)).toBe(9);
    const remembered = await readFile(state, 'utf8');

    // The older bundle is genuine (it verifies without the state) but is a rollback now.
    expect((await runBin(['verify', old, '--json', '--log-key', logKey])).status).toBe(0);
    expect(await verify(old, state)).toMatchObject({ status: 1, out: { valid: false, code: 'BUNDLE_ROLLBACK' } });
    // Same size, same key, another history.
    expect(await verify(fork, state)).toMatchObject({ status: 1, out: { valid: false, code: 'BUNDLE_INCONSISTENT' } });
    expect(await readFile(state, 'utf8')).toBe(remembered);

    // Re-verifying the same bundle is fine; a longer one extending it moves the state on.
    expect(await verify(current, state)).toMatchObject({ status: 0, out: { valid: true } });
    const longer = await bundleOf(12);
    expect(await verify(longer, state)).toMatchObject({ status: 0, out: { valid: true, size: 12 } });
    expect(await stateSize(state)).toBe(12);
    expect(await verify(current, state)).toMatchObject({ status: 1, out: { code: 'BUNDLE_ROLLBACK' } });
  });

  it('a state file is only trusted under --log-key, and a tampered one is a usage error', async () => {
    const file = await bundleOf(3, 'plain');
    const state = join(dir, 'state-2');
    const noKey = await runBin(['verify', file, '--state', state]);
    expect(noKey.status).toBe(2);
    await writeFile(state, 'not a checkpoint\n');
    expect((await runBin(['verify', file, '--state', state, '--log-key', logKey])).status).toBe(2);
  });
});
