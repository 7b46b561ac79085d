/**
 * Service benchmarks on loopback, each figure beside its anchor in the same run:
 * - certificate verification route (POST /v1/certificates/verify) requests/s, autocannon,
 *   vs a bare Fastify route taking the same body and answering a body of the same size;
 *   p99 latency of both; once as exchanges use it (the same certificate re-verified: the
 *   time-independent checks are cached; also the same certificate spelled 64 ways, which the
 *   cache keyed by the RFC 8785 form still serves) and once with the cache off (every check
 *   per request; the issuance record is checked against the ledger's own leaf, as the route
 *   does), also beside the in-process `verifyCertificate` it wraps (goal ≥ 0.6);
 * - signed writes/s through HTTP (pre-chained batches, group commit into LevelDB, receipts
 *   with inclusion proofs) vs the library's `Log.appendBatch` of the same records in the
 *   same batch sizes on a fresh LevelDB log.
 * Environment: BENCH_SERVICE_SECONDS (autocannon duration, default 5), BENCH_SERVICE_WRITES
 * (records, default 10,000), BENCH_SERVICE_ONLY=writes (the write figure alone).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { didKeyFromPublicKey, fromBase64, generateKeyPair } from '@dataledger/core';
import { buildChain, buildRecord, Log, openLevelStore, type LedgerRecord } from '@dataledger/provenance';
import { concealPayload, issueCertificate, prepareCertificate, verifyCertificate } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, openService } from '@dataledger/service';
import { row, timeOnce, type BenchRow } from './harness.ts';
import { assetPayload } from '../test/support/fixtures.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SUITE = 'service';
const DURATION_S = Number(process.env.BENCH_SERVICE_SECONDS ?? 5);

function tempDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'dataledger-bench-')), 'data');
}

async function verifyRoute(cached: boolean): Promise<BenchRow[]> {
  const dir = tempDir();
  const service = await openService({ dataDir: dir, certificateCacheSize: cached ? 16_384 : 0 });
  const app = await buildApp({ service, verifyRateLimit: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const root = new DataLedgerClient({ baseUrl: base, signer: { secretKey: service.rootAuthority.secretKey as Uint8Array } });
  const registry = generateKeyPair();
  const reviewer = generateKeyPair();
  const holder = generateKeyPair();
  await root.submitBatch([
    { type: 'role.granted', payload: { subject: didKeyFromPublicKey(registry.publicKey), role: 'registry' } },
    { type: 'role.granted', payload: { subject: didKeyFromPublicKey(reviewer.publicKey), role: 'reviewer' } },
    { type: 'role.granted', payload: { subject: didKeyFromPublicKey(holder.publicKey), role: 'holder' } },
  ]);
  const rn = 'RN-BENCH-1';
  await new DataLedgerClient({ baseUrl: base, signer: registry }).submit(
    'asset.registered',
    assetPayload(rn, { did: didKeyFromPublicKey(holder.publicKey) }) as never,
  );
  await new DataLedgerClient({ baseUrl: base, signer: reviewer }).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'ok' });
  const { subject, payload } = prepareCertificate(service.registry(), {
    registrationNumber: rn,
    certificateId: `urn:uuid:${randomUUID()}`,
    statusListIndex: 1,
    revocationList: 'https://status.example/rev',
    suspensionList: 'https://status.example/sus',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
  });
  const receipt = await new DataLedgerClient({ baseUrl: base, signer: registry }).submit('certificate.issued', payload as never);
  const cert = issueCertificate({
    subject,
    issued: { record: receipt.record, proof: receipt.inclusionProof.map((p) => fromBase64(p)) },
    checkpoint: receipt.checkpoint,
    secretKey: registry.secretKey,
  });
  const body = JSON.stringify(cert);
  const answer = await (await fetch(`${base}/v1/certificates/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
  if (!(JSON.parse(answer) as { verified: boolean }).verified) throw new Error(`bench certificate does not verify: ${answer}`);

  // The anchor: bare Fastify, same request body parsed, a precomputed answer of the same size.
  const bare = Fastify();
  bare.post('/verify', async (_req, reply) => reply.type('application/json; charset=utf-8').send(answer));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/verify`;

  const load = (url: string, bodies: string[] = [body]): Promise<AutocannonResult> =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(bodies.length === 1 ? { body } : { requests: bodies.map((b) => ({ body: b })) }),
      connections: 16,
      duration: DURATION_S,
      // The load generator on a thread of its own: on the server's thread it would take a
      // share of the event loop the route is measured on (the in-process anchor has it all).
      workers: 1,
    });
  await load(`${base}/v1/certificates/verify`); // warm-up (JIT, caches)
  const ours = await load(`${base}/v1/certificates/verify`);
  const anchor = await load(bareUrl);
  // The same certificate spelled 64 ways (indentation, trailing blanks): one canonical form,
  // so with the cache on every spelling after the first is a hit.
  const spellings = Array.from({ length: 64 }, (_, k) => `${JSON.stringify(cert, null, k % 9)}${' '.repeat(k)}`);
  const respelled = cached ? await load(`${base}/v1/certificates/verify`, spellings) : null;
  // The in-process check the route wraps, on the same certificate with the same trust.
  const registryDid = didKeyFromPublicKey(registry.publicKey);
  let inProcessHz = 0;
  if (!cached) {
    const at = new Date();
    const once = (): void => {
      const v = verifyCertificate(cert, { trustedLogKeys: [service.logVerifierKey], trustedIssuers: [registryDid], at });
      if (v.checks.some((c) => !c.ok && c.name !== 'status')) throw new Error('in-process verify failed');
    };
    for (let k = 0; k < 200; k++) once();
    let n = 0;
    const t = await timeOnce(() => {
      const end = Date.now() + DURATION_S * 1000;
      while (Date.now() < end) {
        once();
        n++;
      }
    });
    inProcessHz = n / t;
  }
  await bare.close();
  await app.close();
  await service.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
  if (ours.non2xx > 0 || ours.errors > 0) throw new Error(`verify route: ${ours.non2xx} non-2xx, ${ours.errors} errors`);
  const extra: BenchRow[] = [];
  if (respelled !== null) {
    if (respelled.non2xx > 0 || respelled.errors > 0) throw new Error(`verify route: ${respelled.non2xx} non-2xx, ${respelled.errors} errors`);
    extra.push(
      row(
        SUITE,
        'POST /v1/certificates/verify, one certificate spelled 64 ways (req/s)',
        respelled.requests.average,
        'bare Fastify route, same body in, same-size body out',
        anchor.requests.average,
        `p99 ${respelled.latency.p99} ms; the cache is keyed by the certificate's RFC 8785 form, so whitespace does not force the slow path`,
      ),
    );
  } else {
    extra.push(
      row(
        SUITE,
        'POST /v1/certificates/verify, every check run (req/s), vs in-process',
        ours.requests.average,
        'in-process verifyCertificate of the same certificate, one thread (verifications/s)',
        inProcessHz,
        'goal ≥ 0.6: the route adds HTTP, JSON parsing and the ledger status to the checks; it reads its own leaf at the record index where the in-process check verifies the record signature',
      ),
    );
  }
  return [
    ...extra,
    row(
      SUITE,
      cached ? 'POST /v1/certificates/verify, repeat certificate (req/s)' : 'POST /v1/certificates/verify, every check run (req/s)',
      ours.requests.average,
      'bare Fastify route, same body in, same-size body out',
      anchor.requests.average,
      `p99 ${ours.latency.p99} ms vs ${anchor.latency.p99} ms; ${answer.length} B answer, ${body.length} B certificate; 16 connections, ${DURATION_S} s; ` +
        (cached
          ? 'time-independent checks cached per certificate, validity and status evaluated per request'
          : 'verification cache off: proof, record against the ledger leaf, inclusion, issuer, validity, status per request'),
    ),
  ];
}

/** `count` records by `writers` registry actors, pre-chained from `head`, as batches of `batch`. */
function chain(
  head: { size: number; lastLeafHash: Uint8Array | null },
  signer: { secretKey: Uint8Array },
  count: number,
  holder: string,
  tag: string,
): { records: LedgerRecord[]; disclosures: Map<string, string[]> } {
  const time = new Date().toISOString();
  // As a client writes them: confidential members concealed before signing (DESIGN.md
  // "Disclosure policy"), their disclosures kept by record index to travel with each batch.
  const concealed = Array.from({ length: count }, (_, i) => concealPayload('asset.registered', assetPayload(`RN-${tag}-${i}`, { did: holder })));
  const records = buildChain(
    head,
    concealed.map((c) => ({ type: 'asset.registered', payload: c.payload as never, time, signer })),
  );
  return { records, disclosures: new Map(records.map((r, i) => [String(r.index), (concealed[i] as { disclosures: string[] }).disclosures])) };
}

async function signedWrites(): Promise<BenchRow[]> {
  const COUNT = Number(process.env.BENCH_SERVICE_WRITES ?? 10_000);
  const BATCH = 200;
  const CONCURRENCY = Number(process.env.BENCH_SERVICE_IN_FLIGHT ?? 4);
  const dir = tempDir();
  const service = await openService({ dataDir: dir });
  const registry = generateKeyPair();
  const holderDid = didKeyFromPublicKey(generateKeyPair().publicKey);
  const rootKey = { secretKey: service.rootAuthority.secretKey as Uint8Array };
  await service.submit([
    buildRecord(service.log.head(), { type: 'role.granted', payload: { subject: didKeyFromPublicKey(registry.publicKey), role: 'registry' } }, rootKey),
  ]);
  const app = await buildApp({ service });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const { records, disclosures } = chain(service.log.head(), registry, COUNT, holderDid, 'H');
  const batches: LedgerRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));
  const bodies = batches.map((b) => JSON.stringify({ records: b, disclosures: b.flatMap((r) => disclosures.get(String(r.index)) ?? []) }));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const res = await fetch(`${base}/v1/assets/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] });
        if (!res.ok) throw new Error(`batch ${i}: HTTP ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const httpSeconds = (performance.now() - t0) / 1000;
  if (service.size !== COUNT + 2) throw new Error(`expected ${COUNT + 2} records, log has ${service.size}`);
  await app.close();
  await service.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });

  // Anchor: the library's batch append, same records and batch size, fresh LevelDB log.
  const dir2 = tempDir();
  const store = await openLevelStore(dir2);
  const log = await Log.open(store, { origin: 'bench.local/log', logKey: { secretKey: generateKeyPair().secretKey } });
  const libRecords = chain(log.head(), registry, COUNT, holderDid, 'L').records;
  const t1 = performance.now();
  for (let i = 0; i < libRecords.length; i += BATCH) await log.appendBatch(libRecords.slice(i, i + BATCH));
  const libSeconds = (performance.now() - t1) / 1000;
  await log.close();
  rmSync(join(dir2, '..'), { recursive: true, force: true });

  return [
    row(
      SUITE,
      'signed writes through HTTP (records/s)',
      COUNT / httpSeconds,
      'Log.appendBatch, same records and batch size, LevelDB',
      COUNT / libSeconds,
      `${COUNT} records in pre-chained batches of ${BATCH} with their disclosures, ${CONCURRENCY} requests in flight; disclosures checked and kept in the vault, group commit, registry rules and a receipt (inclusion proof + checkpoint) per record`,
    ),
  ];
}

/** Runs the service benchmarks. */
export async function run(): Promise<BenchRow[]> {
  if (process.env.BENCH_SERVICE_ONLY === 'writes') return signedWrites();
  return [...(await verifyRoute(true)), ...(await verifyRoute(false)), ...(await signedWrites())];
}
