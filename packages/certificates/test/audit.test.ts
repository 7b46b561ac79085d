/**
 * The regulator's audit: random valid lifecycles replay (from an exported bundle) to the
 * state applied live; any mutated record is reported; rule violations in a well-signed
 * bundle are all reported with index and code.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize } from '@dataledger/core';
import fc from 'fast-check';
import { Log, buildRecord, memoryStore, signRecord } from '@dataledger/provenance';
import { RECORD_TYPES, auditBundle, auditRecords, replayRegistry, statisticsReport } from '../src/index.ts';
import { dumpState, holderA, holderB, registry, root, assetPayload, actor } from './fixtures.ts';
import { collect, liveLifecycle, logKey, type Intent } from './lifecycle.ts';

const intent: fc.Arbitrary<Intent> = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000));

describe('audit: replay equals live', () => {
  it('random valid lifecycles replay to the same state as applied live', async () => {
    let types = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(intent, { minLength: 20, maxLength: 200 }), async (intents) => {
        const { log, records, state } = await liveLifecycle(intents);
        for (const r of records) types.add(r.type);
        const lines = await collect(log.exportBundle());
        const report = await auditBundle(lines, { trustedLogKeys: [log.verifierKey] });
        expect(report.integrity?.valid).toBe(true);
        expect(report.violations).toEqual([]);
        expect(report.valid).toBe(true);
        expect(report.records).toBe(records.length);
        expect(dumpState(report.state)).toEqual(dumpState(state));
        expect(dumpState(replayRegistry(records))).toEqual(dumpState(state));
        expect(report.statistics).toEqual(statisticsReport(state));
        await log.close();
      }),
      { numRuns: 25, seed: 20261126 },
    );
    // the generator reaches (nearly) every record type
    expect([...types].sort()).toEqual([...RECORD_TYPES].sort());
    types = new Set();
  });
});

describe('audit: mutations are reported', () => {
  const mutations = ['payload', 'type', 'time', 'actor', 'sig', 'index', 'prev', 'resign'] as const;

  it('any mutated record in a bundle makes the audit report it', async () => {
    const base = await liveLifecycle(fc.sample(intent, { numRuns: 80, seed: 7 }));
    const lines = await collect(base.log.exportBundle());
    const n = base.records.length;
    await fc.assert(
      fc.asyncProperty(fc.nat(n - 1), fc.constantFrom(...mutations), fc.string({ minLength: 1, maxLength: 6 }), async (i, how, salt) => {
        const rec = JSON.parse(lines[i + 1] as string) as Record<string, unknown>;
        let m: Record<string, unknown>;
        switch (how) {
          case 'payload':
            m = { ...rec, payload: { ...(rec.payload as object), note: salt } };
            break;
          case 'type':
            m = { ...rec, type: rec.type === 'asset.frozen' ? 'asset.unfrozen' : 'asset.frozen' };
            break;
          case 'time':
            m = { ...rec, time: new Date(Date.parse(rec.time as string) + 1).toISOString() };
            break;
          case 'actor':
            m = { ...rec, actor: actor(300).did };
            break;
          case 'sig':
            m = { ...rec, sig: `${(rec.sig as string).slice(0, 10)}${(rec.sig as string)[10] === 'A' ? 'B' : 'A'}${(rec.sig as string).slice(11)}` };
            break;
          case 'index':
            m = { ...rec, index: (rec.index as number) + 1 };
            break;
          case 'prev':
            m = { ...rec, prev: i === 0 ? Buffer.alloc(32).toString('base64') : Buffer.alloc(32, 7).toString('base64') };
            break;
          case 'resign': {
            // the actor itself rewrites its record and signs it again: the chain breaks after it
            const { sig: _s, ...unsigned } = rec;
            const who = [root, registry, holderA, holderB].find((a) => a.did === rec.actor);
            fc.pre(who !== undefined);
            m = signRecord(
              { ...(unsigned as never as object), payload: { ...(rec.payload as object), note: salt } } as never,
              (who as typeof root).secretKey,
            ) as never;
            break;
          }
        }
        const mutated = [...lines];
        // Written in its RFC 8785 form, as an exporter would: the mutation is in the content.
        mutated[i + 1] = `${canonicalize(m)}\n`;
        const report = await auditBundle(mutated, { trustedLogKeys: [base.log.verifierKey] });
        expect(report.valid).toBe(false);
        expect(report.violations.length).toBeGreaterThan(0);
        const at = report.violations.map((v) => v.index);
        if (how === 'resign') {
          // the next record's prev no longer matches, or (last record) the root differs from the checkpoint
          expect(i === n - 1 ? at.includes(null) : at.includes(i + 1)).toBe(true);
        } else {
          expect(at).toContain(i);
        }
        for (const v of report.violations) expect(v.code).toMatch(/^(BUNDLE|REGISTRY)_/);
      }),
      { numRuns: 150, seed: 42 },
    );
    await base.log.close();
  });
});

describe('audit: rule violations in a well-signed bundle', () => {
  it('reports every violation with its index and rule code, and goes on', async () => {
    // A log operator that appends records without checking the rules: the log's integrity
    // holds, the registry rules do not.
    const log = await Log.open(memoryStore(), { origin: 'registry.example/rogue', logKey });
    let t = Date.parse('2026-03-01T00:00:00.000Z');
    const add = async (by: typeof root, type: string, payload: Record<string, unknown>): Promise<void> => {
      t += 1000;
      await log.append(buildRecord(log.head(), { type, payload: payload as never, time: new Date(t).toISOString() }, by));
    };
    await add(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'rogue' });
    await add(root, 'role.granted', { subject: registry.did, role: 'registry' });
    await add(holderA, 'asset.registered', assetPayload('X-1', holderA) as never); // 2: not the registry
    await add(registry, 'asset.registered', assetPayload('X-2', holderA) as never); // 3: fine
    await add(registry, 'asset.registered', assetPayload('X-3', holderB, { fingerprint: assetPayload('X-2', holderA).fingerprint }) as never); // 4: conflict
    await add(registry, 'asset.valued', { registrationNumber: 'X-2', valuation: { amount: 3.5, currency: 'CNY', method: 'cost' } }); // 5: float money
    await add(holderA, 'asset.transferred', { registrationNumber: 'X-2', to: { id: holderB.did, foreign: false } }); // 6: no holder role, unreviewed
    await add(root, 'role.granted', { subject: holderA.did, role: 'holder' }); // 7: fine
    await add(holderA, 'asset.transferred', { registrationNumber: 'X-2', to: { id: holderB.did, foreign: false } }); // 8: unreviewed
    const report = await auditBundle(log.exportBundle(), { trustedLogKeys: [log.verifierKey] });
    expect(report.integrity?.valid).toBe(true);
    expect(report.valid).toBe(false);
    expect(report.violations.map((v) => [v.index, v.code])).toEqual([
      [2, 'REGISTRY_UNAUTHORISED'],
      [4, 'REGISTRY_FINGERPRINT_CONFLICT'],
      [5, 'REGISTRY_MONEY_NOT_DECIMAL'],
      [6, 'REGISTRY_UNAUTHORISED'],
      [8, 'REGISTRY_ASSET_UNREVIEWED'],
    ]);
    expect(report.records).toBe(9);
    expect(report.statistics.assets.total).toBe(1);
    // auditRecords gives the same verdicts without the integrity layer
    const lines = await collect(log.exportBundle());
    const records = lines.slice(1, -1).map((l) => JSON.parse(l));
    expect(auditRecords(records).violations).toEqual(report.violations);
    // an untrusted log key is an integrity fault
    const other = await auditBundle(lines, { trustedLogKeys: [(await Log.open(memoryStore(), { origin: 'x', logKey: actor(301) })).verifierKey] });
    expect(other.violations.at(-1)).toMatchObject({ code: 'BUNDLE_CHECKPOINT_UNTRUSTED' });
    await log.close();
  });
});
