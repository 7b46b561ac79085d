/**
 * Confidential members on several instances of one PostgreSQL log (`openService({ database })`
 * twice, the same keys, each served over HTTP): a write through the follower carries its
 * disclosures to the sequencer, which keeps them in the shared vault with the records; the
 * follower's registry, caught up from the log and the vault, reveals what the sequencer's does
 * (a concealed record is never skipped there); an erasure through the follower deletes the
 * vault's row; after a failover the new sequencer and a restarted instance still serve the
 * disclosures to a regulator.
 */
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disclosureDigest, openDisclosure } from '@dataledger/certificates';
import { DataLedgerClient } from '@dataledger/service';
import { testDatabase, type TestDatabase } from '../packages/store-postgres/test/support/postgres.ts';
import { assetPayload, newActor, newRegistrationNumber, tempDataDir, type Actor } from './support/http-ledger.ts';
import { copyLedgerKeys, startInstance, type Instance } from './support/cluster.ts';

let db: TestDatabase;
let dirA: string;
let dirB: string;
const running: Instance[] = [];
const start = (dataDir: string): Promise<Instance> => startInstance(dataDir, db.url, {}, running);

const client = (inst: Instance, signer: Actor | { secretKey: Uint8Array }): DataLedgerClient => new DataLedgerClient({ baseUrl: inst.base, signer });

/** One statement on a connection of its own (what the test reads behind the instances). */
const sql = <T extends pg.QueryResultRow>(text: string): Promise<T[]> => db.query<T>(text);

type ReadAsset = { holder: { name?: string }; description?: string; disclosures: string[] };

beforeAll(async () => {
  db = await testDatabase('service_disclosures_cluster');
  dirA = tempDataDir();
  dirB = join(dirname(dirA), 'b');
}, 120_000);
afterAll(async () => {
  for (const i of running) await i.stop().catch(() => undefined);
  await db?.drop();
});

describe('confidential members on two instances of one PostgreSQL log', () => {
  it('a follower forwards the disclosures, catches up with them, erases through the shared vault; a failover keeps them', async () => {
    const a = await start(dirA);
    await copyLedgerKeys(dirA, dirB);
    const b = await start(dirB);
    expect(a.service.sequencer?.role).toBe('sequencer');
    expect(b.service.sequencer?.role).toBe('follower');

    const root = { secretKey: a.service.rootAuthority.secretKey as Uint8Array };
    const registry = newActor();
    const regulator = newActor();
    const holder = newActor();
    await client(b, root).submitBatch([
      { type: 'role.granted', payload: { subject: registry.did, role: 'registry' } },
      { type: 'role.granted', payload: { subject: regulator.did, role: 'regulator' } },
    ]);

    // A registration with concealed members, written through the follower.
    const rn1 = newRegistrationNumber('CLF');
    const name1 = 'Holder-Through-Follower-Q7ZK';
    const r1 = await client(b, registry).submit(
      'asset.registered',
      assetPayload(rn1, holder, { holder: { id: holder.did, foreign: false, name: name1 }, description: 'forwarded with its disclosures' }) as never,
    );
    expect(r1.disclosures.length).toBeGreaterThanOrEqual(2);
    const vaulted = (await sql<{ digest: string }>('select digest from dataledger.disclosures')).map((row) => row.digest);
    expect(vaulted).toEqual(expect.arrayContaining(r1.disclosures.map(disclosureDigest)));
    // The forwarded row (records and disclosures in flight) is gone once answered.
    expect(await sql<{ n: number }>('select count(*)::int as n from dataledger.pending')).toEqual([{ n: 0 }]);

    // A regulator reads the values from either instance.
    for (const inst of [a, b]) {
      const read = (await client(inst, regulator).getAsset(rn1)) as ReadAsset;
      expect(read.holder.name).toBe(name1);
      expect(read.description).toBe('forwarded with its disclosures');
      expect([...read.disclosures].sort()).toEqual([...r1.disclosures].sort());
    }

    // A registration written through the sequencer: the follower's registry catches up with
    // the vault's disclosures and holds the asset as the sequencer's does.
    const rn2 = newRegistrationNumber('CLS');
    const name2 = 'Holder-Through-Sequencer-M4WP';
    const r2 = await client(a, registry).submit(
      'asset.registered',
      assetPayload(rn2, holder, { holder: { id: holder.did, foreign: false, name: name2 } }) as never,
    );
    // (The view's size moves first, the registry right after it.)
    await expect.poll(() => b.service.registry().size, { timeout: 5000 }).toBe(a.service.registry().size);
    expect(b.service.registry().assets.get(rn2)).toEqual(a.service.registry().assets.get(rn2));
    expect(b.service.registry().assets.get(rn2)?.holder.name).toBe(name2);
    expect(((await client(b, regulator).getAsset(rn2)) as ReadAsset).holder.name).toBe(name2);

    // An erasure through the follower: the sequencer appends it, the follower erases the row.
    const description = r1.disclosures.find((d) => openDisclosure(d).name === 'description') as string;
    const erasure = await client(b, regulator).erase({
      index: r1.index,
      erased: [{ digest: disclosureDigest(description), member: 'description' }],
      reason: 'test',
    });
    // The same erasure again through the other instance: its receipt (the vault no longer holds
    // the disclosure, and that is no reason to refuse a record already in the log).
    const resubmitted = await client(a, regulator).submitRecord(erasure.record);
    expect([resubmitted.index, resubmitted.leafHash]).toEqual([erasure.index, erasure.leafHash]);
    const left = (await sql<{ digest: string }>('select digest from dataledger.disclosures')).map((row) => row.digest);
    expect(left).not.toContain(disclosureDigest(description));
    expect(left).toEqual(expect.arrayContaining(r2.disclosures.map(disclosureDigest)));
    await expect.poll(() => a.service.registry().size, { timeout: 5000 }).toBe(b.service.registry().size);
    for (const inst of [a, b]) {
      const read = (await client(inst, regulator).getAsset(rn1)) as ReadAsset;
      expect(read.description).toBeUndefined();
      expect(read.holder.name).toBe(name1);
    }
    expect(b.service.registry().assets.get(rn1)).toEqual(a.service.registry().assets.get(rn1));

    // Failover: the sequencer stops; the follower takes the lease and serves the disclosures.
    await a.stop();
    await expect.poll(() => b.service.sequencer?.role, { timeout: 5000 }).toBe('sequencer');
    const rn3 = newRegistrationNumber('CLN');
    const name3 = 'Holder-After-Failover-H2TB';
    const r3 = await client(b, registry).submit(
      'asset.registered',
      assetPayload(rn3, holder, { holder: { id: holder.did, foreign: false, name: name3 } }) as never,
    );
    for (const [rn, name, r] of [
      [rn1, name1, r1],
      [rn2, name2, r2],
      [rn3, name3, r3],
    ] as const) {
      const read = (await client(b, regulator).getAsset(rn)) as ReadAsset;
      expect(read.holder.name).toBe(name);
      expect(read.disclosures.length).toBe(rn === rn1 ? r.disclosures.length - 1 : r.disclosures.length);
    }

    // The old sequencer comes back as a follower: its replay at open reads the same vault.
    const again = await start(dirA);
    expect(again.service.sequencer?.role).toBe('follower');
    for (const [rn, name] of [
      [rn1, name1],
      [rn3, name3],
    ] as const) {
      expect(((await client(again, regulator).getAsset(rn)) as ReadAsset).holder.name).toBe(name);
    }
    expect(again.service.registry().assets.get(rn3)).toEqual(b.service.registry().assets.get(rn3));
  });
});
