/**
 * @dataledger/provenance, each figure beside its anchor in the same run:
 * 1. durable batched append (records/s) vs raw `level` batched put of the same record bytes
 *    plus raw node:crypto Ed25519 verify of the same records, timed in sequence;
 * 2. bundle replay (records/s) vs raw node:crypto Ed25519 verify of the same count;
 * 3. inclusion proofs from a large LevelDB log (default 1,000,000 records, env
 *    BENCH_LOG_SIZE; built once and kept in bench/.cache): proofs/s vs raw level reads of as
 *    many keys, and verification vs a plain SHA-256 loop over the same path.
 * Env: BENCH_APPEND_RECORDS (default 20000), BENCH_LOG_SIZE (default 1000000).
 */
import { createPublicKey, hash, verify as rawVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { canonicalize, fromBase64Url, keyPairFromSeed, publicKeyFromDidKey, type KeyPair } from '@dataledger/core';
import {
  buildChain,
  Log,
  openLevelStore,
  verifyBundle,
  verifyInclusion,
  workerVerifier,
  type LedgerRecord,
  type SignatureVerifier,
  type RecordStore,
} from '@dataledger/provenance';
import { cachedFixture, measurePair, row, timeOnce, type BenchRow } from './harness.ts';

const SUITE = 'provenance';
const APPEND_RECORDS = Number(process.env.BENCH_APPEND_RECORDS ?? 20_000);
const LOG_SIZE = Number(process.env.BENCH_LOG_SIZE ?? 1_000_000);
const BATCH = 1000;
const ROUNDS = 3;
const ORIGIN = 'bench.example/ledger';
const LOG_KEY = keyPairFromSeed(new Uint8Array(32).fill(250));
const ACTORS: KeyPair[] = [1, 2, 3, 4].map((n) => keyPairFromSeed(new Uint8Array(32).fill(n)));
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** `count` chained records with a typical registration-sized payload (~300 bytes). */
function makeRecords(start: { size: number; lastLeafHash: Uint8Array | null }, count: number): LedgerRecord[] {
  const t0 = Date.UTC(2026, 10, 26);
  const drafts = Array.from({ length: count }, (_, i) => {
    const size = start.size + i;
    const payload = {
      registrationNumber: `DA-2026-${String(size).padStart(8, '0')}`,
      name: '企业用电数据 / enterprise power use',
      source: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
      classification: 'important',
      rows: 1_200_000 + size,
      tags: ['energy', 'credit', 'monthly'],
    };
    return { type: 'asset.registered', payload, time: new Date(t0 + size).toISOString(), signer: ACTORS[size % ACTORS.length]! };
  });
  return buildChain(start, drafts);
}

/** What a raw verifier needs: message bytes, signature bytes and a prebuilt KeyObject. */
function rawItems(records: LedgerRecord[]): { msg: Buffer; sig: Uint8Array; key: KeyObject }[] {
  const keys = new Map<string, KeyObject>();
  return records.map((r) => {
    let key = keys.get(r.actor);
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKeyFromDidKey(r.actor)]), format: 'der', type: 'spki' });
      keys.set(r.actor, key);
    }
    const { sig, ...unsigned } = r;
    return { msg: Buffer.from(canonicalize(unsigned), 'utf8'), sig: fromBase64Url(sig), key };
  });
}

function rawVerifyAll(items: { msg: Buffer; sig: Uint8Array; key: KeyObject }[]): void {
  for (const it of items) if (!rawVerify(null, it.msg, it.key, it.sig)) throw new Error('raw verify failed');
}

function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'dl-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

async function appendAndReplay(rows: BenchRow[]): Promise<void> {
  const records = makeRecords({ size: 0, lastLeafHash: null }, APPEND_RECORDS);
  const items = rawItems(records);
  const leafBytes = records.map((r) => Buffer.from(canonicalize(r), 'utf8'));
  const threads = availableParallelism();
  const pool = workerVerifier({ threads });
  const note = `${APPEND_RECORDS} records, ${ROUNDS} interleaved rounds`;

  // Every figure and its anchor are interleaved batch by batch, so that load from other
  // processes falls on both alike; hz = records / total time.
  let tLog = 0;
  let tLogAll = 0;
  let tPut = 0;
  let tVerify = 0;
  let bundle: string[] = [];
  let logKey = '';
  for (let round = 0; round < ROUNDS; round++) {
    const dirs = [tempDir(), tempDir(), tempDir()];
    const one = await Log.open(await openLevelStore(dirs[0]!.path), { origin: ORIGIN, logKey: LOG_KEY });
    const all = await Log.open(await openLevelStore(dirs[1]!.path), { origin: ORIGIN, logKey: LOG_KEY, verifier: pool });
    const db = new Level<string, Uint8Array>(dirs[2]!.path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    for (let i = 0; i < records.length; i += BATCH) {
      const end = Math.min(i + BATCH, records.length);
      const batch = records.slice(i, end);
      // The log: parse, check, verify, hash, one fsync'd LevelDB batch per 1000 records.
      tLog += await timeOnce(() => one.appendBatch(batch));
      tLogAll += await timeOnce(() => all.appendBatch(batch));
      // The bound: the same record bytes through raw level (same fsync'd batches), then raw verify.
      tPut += await timeOnce(async () => {
        const ops = [];
        for (let j = i; j < end; j++) ops.push({ type: 'put' as const, key: `r:${j.toString(16).padStart(16, '0')}`, value: leafBytes[j]! });
        await db.batch(ops, { sync: true } as never);
      });
      tVerify += await timeOnce(() => rawVerifyAll(items.slice(i, end)));
    }
    if (round === 0) {
      for await (const l of one.exportBundle()) bundle.push(l);
      logKey = one.verifierKey;
    }
    await one.close();
    await all.close();
    await db.close();
    dirs.forEach((d) => d.remove());
  }
  const n = records.length * ROUNDS;
  const anchor = 'raw level batch put (fsync) + raw node:crypto verify, in sequence';
  rows.push(row(SUITE, `durable batched append, ${BATCH}/batch, one thread (records/s)`, n / tLog, anchor, n / (tPut + tVerify), note));
  rows.push(row(SUITE, `durable batched append, ${BATCH}/batch, ${threads} verify threads (records/s)`, n / tLogAll, anchor, n / (tPut + tVerify), note));

  let tReplay = 0;
  let tReplayAll = 0;
  let tRaw = 0;
  const replay = (verifier?: SignatureVerifier): Promise<number> =>
    timeOnce(async () => {
      const r = await verifyBundle(bundle, { trustedLogKeys: [logKey], ...(verifier === undefined ? {} : { verifier }) });
      if (!r.valid) throw new Error(`bundle invalid: ${String(r.code)}`);
    });
  for (let round = 0; round < ROUNDS; round++) {
    tReplay += await replay();
    tRaw += await timeOnce(() => rawVerifyAll(items));
    tReplayAll += await replay(pool);
    tRaw += await timeOnce(() => rawVerifyAll(items));
  }
  const vAnchor = 'raw node:crypto verify of the same records (one thread)';
  rows.push(row(SUITE, 'bundle replay, one thread (records/s)', n / tReplay, vAnchor, (2 * n) / tRaw, note));
  rows.push(row(SUITE, `bundle replay, ${threads} verify threads (records/s)`, n / tReplayAll, vAnchor, (2 * n) / tRaw, note));
  bundle = [];
  await pool.close();
}

/**
 * Opens the LevelDB log of `size` records, building it the first time and reusing it after
 * (bench/.cache, see bench/README.md): building a million signed records costs minutes, a
 * proof benchmark needs only that the log exists.
 */
async function bigLog(size: number): Promise<{ log: Log; store: RecordStore }> {
  const path = await cachedFixture(`provenance-log-${size}`, async (dir) => {
    process.stderr.write(`bench: building a ${size}-record LevelDB log in ${dir} (once; later runs reuse it)…\n`);
    const t = Date.now();
    const cpu0 = process.cpuUsage();
    // Building: no fsync per batch (it is a fixture, published only once complete), and the
    // signatures are not checked again: makeRecords signed them a moment ago, and checking a
    // million signatures would double the build (verification has its own figures above).
    // Reopened below with the defaults.
    const signedHere: SignatureVerifier = { verifyAll: async (checks) => checks.map(() => true), close: async () => undefined };
    const log = await Log.open(await openLevelStore(dir, { sync: false }), { origin: ORIGIN, logKey: LOG_KEY, verifier: signedHere });
    const CHUNK = 10_000;
    while (log.size < size) {
      await log.appendBatch(makeRecords(log.head(), Math.min(CHUNK, size - log.size)));
      if (log.size % 100_000 === 0) process.stderr.write(`bench:   ${log.size} records, ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    }
    await log.close();
    const s = (Date.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    process.stderr.write(`bench: built ${size} records in ${s.toFixed(0)} s (${(size / s).toFixed(0)} records/s, ${cpuS.toFixed(0)} s of CPU)\n`);
  });
  const store = await openLevelStore(path);
  const log = await Log.open(store, { origin: ORIGIN, logKey: LOG_KEY });
  if (log.size !== size) throw new Error(`bench: ${path} holds ${log.size} records, not ${size}: delete it to rebuild`);
  return { log, store };
}

async function proofs(rows: BenchRow[]): Promise<void> {
  const { log, store } = await bigLog(LOG_SIZE);
  const n = log.size;
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const depth = Math.ceil(Math.log2(n));
  let i = 0;
  const indexes = Array.from({ length: 4096 }, next);
  const keySets = Array.from({ length: 4096 }, () => Array.from({ length: depth }, () => `n:00:${next().toString(16).padStart(16, '0')}`));
  // Warm both working sets (OS page cache, LevelDB block cache) so neither side pays cold reads.
  for (let k = 0; k < indexes.length; k++) {
    await log.inclusionProof(indexes[k]!);
    await store.getMany(keySets[k]!);
  }
  rows.push(
    await measurePair(SUITE, {
      name: `inclusion proof from a ${n}-record LevelDB log (proofs/s)`,
      fn: async () => {
        await log.inclusionProof(indexes[i++ % indexes.length]!);
      },
      anchor: `raw level getMany of ${depth} random keys`,
      anchorFn: async () => {
        await store.getMany(keySets[i++ % keySets.length]!);
      },
      note: `${depth} hashes per proof`,
    }),
  );
  const index = indexes[0]!;
  const proof = await log.inclusionProof(index);
  const leafHash = await log.leafHashAt(index);
  const root = log.head().rootHash;
  const buf = Buffer.alloc(65);
  buf[0] = 0x01;
  rows.push(
    await measurePair(SUITE, {
      name: `verifyInclusion, ${proof.length}-hash path (verifications/s)`,
      fn: () => {
        if (!verifyInclusion({ leafHash, index, treeSize: n, proof, root })) throw new Error('proof failed');
      },
      anchor: `plain SHA-256 loop over ${proof.length} nodes (one-shot node:crypto hash)`,
      anchorFn: () => {
        let h: Uint8Array = leafHash;
        for (const p of proof) {
          buf.set(p, 1);
          buf.set(h, 33);
          h = hash('sha256', buf, 'buffer');
        }
        return h;
      },
    }),
  );
  await log.close();
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  await appendAndReplay(rows);
  await proofs(rows);
  return rows;
}
