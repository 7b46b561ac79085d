/**
 * Several `dataledger serve --database` processes on one PostgreSQL log: both accept writes
 * and serve reads, one sequences. Under 100 concurrent writers spread over two instances the
 * sequencer is killed (SIGKILL), five times: another instance takes over within 5 s, every
 * acknowledged record is in the log at its index with its leaf hash, and no two different
 * signed checkpoints of one size are ever seen (receipts and /tlog/checkpoint of every instance).
 * A registration with confidential members, written through a follower before the first kill,
 * is read back by a regulator, with its disclosures, from every instance alive after the last.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, keyPairFromSeed, sha256, toBase64, utf8Encode, type KeyPair } from '@dataledger/core';
import { Log, openCheckpoint, parseVerifierKey, recordLeafHash } from '@dataledger/provenance';
import { openPostgresStore } from '@dataledger/store-postgres';
import { DataLedgerClient, parseKeyFile, type SubmittedReceipt } from '@dataledger/service';
import { testDatabase, type TestDatabase } from '../../store-postgres/test/support/postgres.ts';
import { killAll, startBin, tempDir, waitForOutput } from './helpers.ts';
import { assetPayload } from '../../../test/support/fixtures.ts';

const WRITERS = 100;
const ROUNDS = 5;

let db: TestDatabase;
let dir: string;
let cleanup: () => Promise<void>;
const started: ChildProcess[] = [];

interface Instance {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far. */
  output: () => string;
}

let instances = 0;

/** Starts `serve` on a data directory of its own holding the ledger's keys (copied from `keysFrom`). */
async function startInstance(keysFrom: string | null): Promise<Instance> {
  const data = join(dir, `data-${instances++}`);
  if (keysFrom !== null) {
    await mkdir(data, { recursive: true, mode: 0o700 });
    for (const f of ['log.key', 'root.key', 'log.vkey']) await copyFile(join(keysFrom, f), join(data, f));
  }
  const child = startBin(['serve', '--port', '0', '--data', data, '--database', db.url, '--log-level', 'warn']);
  started.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const { match } = await waitForOutput(child, /listening on (http:\/\/[^\s]+)/);
  return { child, url: match[1]!, output: () => out };
}

const isSequencer = (i: Instance): boolean => {
  const roles = [...i.output().matchAll(/role +(sequencer|follower)/g)];
  return roles.at(-1)?.[1] === 'sequencer';
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await testDatabase('serve_failover');
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await killAll(started);
  await cleanup?.();
  await db?.drop();
});

describe('several dataledger serve --database on one log', () => {
  it('survives kill -9 of the sequencer under 100 writers, five times: takeover < 5 s, no loss, no fork', { timeout: 150_000 }, async () => {
    const first = await startInstance(null);
    const keysDir = join(dir, 'data-0');
    expect(isSequencer(first)).toBe(true);
    const second = await startInstance(keysDir);
    expect(isSequencer(second)).toBe(false);
    let alive: Instance[] = [first, second];

    const vkey = (await readFile(join(keysDir, 'log.vkey'), 'utf8')).trim();
    const root = keyPairFromSeed(parseKeyFile(await readFile(join(keysDir, 'root.key'), 'utf8')).secretKey);
    const writers: KeyPair[] = Array.from({ length: WRITERS }, (_, i) => keyPairFromSeed(sha256(utf8Encode(`writer ${i}`))));
    const holder = didKeyFromPublicKey(root.publicKey);
    const regulator = keyPairFromSeed(sha256(utf8Encode('regulator')));
    // Roles granted through the follower: a forwarded pre-chained batch.
    await new DataLedgerClient({ baseUrl: second.url, signer: root }).submitBatch([
      ...writers.map((w) => ({ type: 'role.granted', payload: { subject: didKeyFromPublicKey(w.publicKey), role: 'registry' } })),
      { type: 'role.granted', payload: { subject: didKeyFromPublicKey(regulator.publicKey), role: 'regulator' } },
    ]);
    // Confidential members through the follower: the disclosures travel with the forwarded write.
    const secretName = 'Holder-Name-Failover-8JQ2';
    const secretDescription = 'kept through five failovers';
    const confidential = await new DataLedgerClient({ baseUrl: second.url, signer: writers[0]! }).submit('asset.registered', {
      ...assetPayload('RN-CONFIDENTIAL', { did: holder }),
      holder: { id: holder, foreign: false, name: secretName },
      description: secretDescription,
      valuation: { amount: '98000.00', currency: 'CNY', method: 'cost' },
    } as never);
    expect(confidential.disclosures.length).toBeGreaterThanOrEqual(4); // name, description, valuation, subjects

    const acknowledged: SubmittedReceipt[] = [];
    /** Every signed checkpoint seen, by tree size. */
    const checkpoints = new Map<number, Set<string>>();
    const see = (note: string): void => {
      const size = openCheckpoint(note, [vkey]).checkpoint.size;
      if (!checkpoints.has(size)) checkpoints.set(size, new Set());
      checkpoints.get(size)!.add(note);
    };
    let written = 0;
    const takeovers: number[] = [];
    /** Acknowledgements per instance URL (the sequencer's own, and forwarded by followers). */
    const byInstance = new Map<string, number>();

    for (let round = 0; round < ROUNDS; round++) {
      let stop = false;
      const loops = writers.map(async (signer, w) => {
        let n = 0;
        while (!stop) {
          // Writers are spread over the live instances; one that fails moves to the next.
          const target = alive[(w + n) % alive.length]!;
          const client = new DataLedgerClient({ baseUrl: target.url, signer, maxRetries: 200 });
          try {
            const receipt = await client.submit('asset.registered', assetPayload(`RN-${round}-${w}-${n}`, { did: holder }) as never);
            acknowledged.push(receipt);
            byInstance.set(target.url, (byInstance.get(target.url) ?? 0) + 1);
            see(receipt.checkpoint);
            written++;
          } catch {
            n++;
            await sleep(20);
          }
        }
      });
      const watch = (async () => {
        while (!stop) {
          for (const i of alive) {
            const r = await fetch(`${i.url}/tlog/checkpoint`).catch(() => null);
            if (r?.ok === true) see(await r.text());
          }
          await sleep(50);
        }
      })();

      // Let writes flow through both instances, then kill the sequencer.
      const before = written;
      while (written < before + 30) await sleep(20);
      const sequencer = alive.find(isSequencer)!;
      expect(sequencer).toBeDefined();
      const survivors = alive.filter((i) => i !== sequencer);
      const killedAt = Date.now();
      sequencer.child.kill('SIGKILL');
      alive = survivors;
      // Another instance takes over within 5 s…
      while (!survivors.some(isSequencer)) {
        expect(Date.now() - killedAt).toBeLessThan(5000);
        await sleep(10);
      }
      takeovers.push(Date.now() - killedAt);
      // … and writes flow again; a fresh instance joins for the next round.
      const resumed = written;
      while (written < resumed + 30) await sleep(20);
      alive = [...survivors, await startInstance(keysDir)];
      stop = true;
      await Promise.all([...loops, watch]);
    }

    // Writes were acknowledged through every instance that served a whole round, followers included.
    expect(byInstance.size).toBeGreaterThanOrEqual(ROUNDS);
    expect(Math.max(...takeovers)).toBeLessThan(5000);
    // The confidential registration, from every instance alive now (each joined after a kill):
    // a regulator reads the values and the disclosures the follower forwarded.
    for (const i of alive) {
      const read = (await new DataLedgerClient({ baseUrl: i.url, signer: regulator }).getAsset('RN-CONFIDENTIAL')) as {
        holder: { name?: string };
        description?: string;
        disclosures: string[];
      };
      expect(read.holder.name).toBe(secretName);
      expect(read.description).toBe(secretDescription);
      expect([...read.disclosures].sort()).toEqual([...confidential.disclosures].sort());
    }
    // No fork: one checkpoint per size, whoever signed it.
    for (const [size, notes] of checkpoints) expect(notes.size, `checkpoints of size ${size}`).toBe(1);

    // No loss: every acknowledged record is in the log at its index, with its leaf hash.
    const { name: origin, publicKey } = parseVerifierKey(vkey);
    const log = await Log.open(await openPostgresStore({ connectionString: db.url, exclusive: false }), { origin, logKey: { publicKey } });
    try {
      expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * 60);
      expect(new Set(acknowledged.map((r) => r.index)).size).toBe(acknowledged.length);
      const leaves = await Promise.all(acknowledged.map((r) => log.leafHashAt(r.index)));
      acknowledged.forEach((r, k) => {
        expect(toBase64(leaves[k]!)).toBe(r.leafHash);
        expect(toBase64(recordLeafHash(r.record))).toBe(r.leafHash);
      });
      // Every checkpoint seen is of this log's tree at its size.
      for (const [size, notes] of checkpoints) {
        if (size > log.size) continue;
        const cp = openCheckpoint([...notes][0]!, [vkey]).checkpoint;
        expect(toBase64(await log.rootHashAt(size))).toBe(toBase64(cp.rootHash));
      }
    } finally {
      await log.close();
    }
  });
});
