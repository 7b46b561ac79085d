/**
 * Confidential members on a ledger kept in PostgreSQL (`openService({ database })`, what
 * `serve --database` opens): the vault lives in the same database and schema, in its own table;
 * a write keeps its disclosures there, a regulator reads the values over HTTP, an erasure
 * deletes the row, and a restart on the same database rebuilds the same registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { disclosureDigest, openDisclosure } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, openService, type DataDirService } from '@dataledger/service';
import type { FastifyInstance } from 'fastify';
import { testDatabase, type TestDatabase } from '../packages/store-postgres/test/support/postgres.ts';
import { assetPayload, newActor, newRegistrationNumber, tempDataDir, type Actor } from './support/http-ledger.ts';

const HOLDER_NAME = 'Holder-Name-PG-5RX3';

let db: TestDatabase;
let dir: string;
let service: DataDirService;
let app: FastifyInstance;
let base: string;

async function start(): Promise<void> {
  service = await openService({ dataDir: dir, database: db.url });
  app = await buildApp({ service });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
}
async function stop(): Promise<void> {
  await app.close();
  await service.close();
}
const client = (signer: Actor | { secretKey: Uint8Array }): DataLedgerClient => new DataLedgerClient({ baseUrl: base, signer });

/** The digests the vault's table holds (read straight from PostgreSQL). */
async function tableDigests(): Promise<string[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ digest: string }>('select digest from dataledger.disclosures order by digest');
    return r.rows.map((row) => row.digest);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await testDatabase('service_disclosures');
  dir = tempDataDir();
  await start();
}, 120_000);
afterAll(async () => {
  await stop().catch(() => undefined);
  await db?.drop();
});

describe('the vault in PostgreSQL', () => {
  it('keeps, serves and erases disclosures; a restart rebuilds the same registry', async () => {
    const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
    const registry = newActor();
    const regulator = newActor();
    const holder = newActor();
    await client(root).submitBatch([
      { type: 'role.granted', payload: { subject: registry.did, role: 'registry' } },
      { type: 'role.granted', payload: { subject: regulator.did, role: 'regulator' } },
    ]);
    const rn = newRegistrationNumber('PG');
    const receipt = await client(registry).submit(
      'asset.registered',
      assetPayload(rn, holder, { holder: { id: holder.did, foreign: false, name: HOLDER_NAME }, description: 'kept in PostgreSQL' }) as never,
    );
    const digests = receipt.disclosures.map(disclosureDigest);
    expect(await tableDigests()).toEqual(expect.arrayContaining(digests));

    const read = (await client(regulator).getAsset(rn)) as { holder: { name?: string }; disclosures: string[] };
    expect(read.holder.name).toBe(HOLDER_NAME);
    expect(read.disclosures).toHaveLength(receipt.disclosures.length);

    const description = receipt.disclosures.find((d) => openDisclosure(d).name === 'description') as string;
    await client(regulator).erase({ index: receipt.index, erased: [{ digest: disclosureDigest(description), member: 'description' }], reason: 'test' });
    expect(await tableDigests()).not.toContain(disclosureDigest(description));

    const before = await client(regulator).getAsset(rn);
    await stop();
    await start();
    expect(await client(regulator).getAsset(rn)).toEqual(before);
    expect((before as { description?: unknown }).description).toBeUndefined();
  });
});
