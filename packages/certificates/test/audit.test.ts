/**
 * The regulator's audit: random valid lifecycles, with concealed members and erasures, replay
 * (from an exported bundle, with their disclosures) to the state applied live; without some or
 * all disclosures the replay reaches no violation and lists the rules it could not check; any
 * mutated record is reported; rule violations in a well-signed bundle are all reported with
 * index and code.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize } from '@dataledger/core';
import fc from 'fast-check';
import { Log, buildRecord, memoryStore, signRecord } from '@dataledger/provenance';
import {
  RECORD_TYPES,
  applyRecord,
  auditBundle,
  auditRecords,
  certificateSubject,
  concealPayload,
  disclosureMap,
  emptyRegistryState,
  payloadDigests,
  statisticsReport,
  subjectHash,
  type AssetState,
  type RecordType,
} from '../src/index.ts';
import { dumpState, holderA, holderB, registry, root, assetPayload, actor } from './fixtures.ts';
import { collect, liveLifecycle, logKey, type Intent } from './lifecycle.ts';

const intent: fc.Arbitrary<Intent> = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000));

describe('audit: replay equals live', () => {
  it('random valid lifecycles, concealed and erased, replay with their disclosures to the state applied live', async () => {
    let types = new Set<string>();
    let concealed = 0;
    let erasures = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(intent, { minLength: 20, maxLength: 200 }), async (intents) => {
        const { log, records, state, disclosures } = await liveLifecycle(intents);
        for (const r of records) types.add(r.type);
        const sealed = records.filter((r) => payloadDigests(r.payload).length > 0);
        concealed += sealed.length;
        const erased = records.filter((r) => r.type === 'disclosure.erased');
        erasures += erased.length;
        const lines = await collect(log.exportBundle());
        const report = await auditBundle(lines, { trustedLogKeys: [log.verifierKey], disclosures });
        expect(report.integrity?.valid).toBe(true);
        expect(report.violations).toEqual([]);
        expect(report.valid).toBe(true);
        // every disclosure given was checked against its digest and used; no rule was skipped
        expect(report.unchecked).toEqual([]);
        expect(report.complete).toBe(true);
        expect(report.disclosures).toEqual({ given: disclosures.size, used: disclosures.size });
        // the erasures, as the records state them (what, when, by whom)
        expect(report.erasures).toEqual(
          erased.map((r) => {
            const p = r.payload as { index: number; erased: unknown[]; reason: string };
            return { index: r.index, time: r.time, actor: r.actor, target: p.index, erased: p.erased, reason: p.reason };
          }),
        );
        expect(report.records).toBe(records.length);
        expect(dumpState(report.state)).toEqual(dumpState(state));
        // the same fold without the integrity layer, told of any rule it could not check
        let folded = emptyRegistryState();
        const skipped: unknown[] = [];
        for (const r of records) folded = applyRecord(folded, r, { disclosures, unchecked: (u) => skipped.push(u) });
        expect(skipped).toEqual([]);
        expect(dumpState(folded)).toEqual(dumpState(state));
        expect(report.statistics).toEqual(statisticsReport(state));
        await log.close();
      }),
      { numRuns: 25, seed: 20261126 },
    );
    // the generator reaches every record type, conceals and erases
    expect([...types].sort()).toEqual([...RECORD_TYPES].sort());
    expect(concealed).toBeGreaterThan(100);
    expect(erasures).toBeGreaterThan(10);
    types = new Set();
  });

  it('a replay with what the vault still holds (erased disclosures gone) reaches no violation and never disagrees with the live state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(intent, { minLength: 20, maxLength: 200 }), async (intents) => {
        const { log, records, state, vault } = await liveLifecycle(intents);
        const lines = await collect(log.exportBundle());
        const report = await auditBundle(lines, { trustedLogKeys: [log.verifierKey], disclosures: vault });
        expect(report.violations).toEqual([]);
        expect(report.disclosures).toEqual({ given: vault.size, used: vault.size });
        expect(report.records).toBe(records.length);
        // What the replay knows of an asset is what the live state knows; what it does not
        // know (an erased change can hide either member) is null, never another value.
        for (const live of state.assets.values()) {
          const seen = report.state.assets.get(live.registrationNumber) as AssetState;
          if (seen.valuation !== null) expect(seen.valuation).toEqual(live.valuation);
          if (seen.subjects !== null) expect(seen.subjects).toEqual(live.subjects);
          if (seen.description !== null) expect(seen.description).toEqual(live.description);
          expect(seen.holder).toEqual(live.holder);
          // the certificate subject (digests of the concealed members) is the same wherever it is known
          if (seen.opaque.length === 0) expect(subjectHash(certificateSubject(seen))).toBe(subjectHash(certificateSubject(live)));
        }
        await log.close();
      }),
      { numRuns: 30, seed: 1 },
    );
  });

  it('a replay without disclosures reaches no violation, lists the rules it could not check and never counts them as passed', async () => {
    let unchecked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(intent, { minLength: 20, maxLength: 200 }), async (intents) => {
        const { log, records } = await liveLifecycle(intents);
        const lines = await collect(log.exportBundle());
        const report = await auditBundle(lines, { trustedLogKeys: [log.verifierKey] });
        expect(report.integrity?.valid).toBe(true);
        expect(report.violations).toEqual([]);
        expect(report.records).toBe(records.length);
        expect(report.disclosures).toEqual({ given: 0, used: 0 });
        const sealed = records.filter((r) => payloadDigests(r.payload).length > 0).map((r) => r.index);
        // every record that carries digests has at least its payload form unchecked
        if (sealed.length === 0) {
          expect(report.complete).toBe(true);
          return;
        }
        expect(report.complete).toBe(false);
        const form = report.unchecked.find((u) => u.rule === 'REGISTRY_PAYLOAD_INVALID');
        expect(form?.records).toBe(sealed.length);
        expect(form?.indexes).toEqual(sealed.slice(0, 20));
        for (const u of report.unchecked) {
          expect(u.rule).toMatch(/^REGISTRY_/);
          expect(u.records).toBeGreaterThan(0);
          unchecked += u.records;
        }
        // an unchecked rule is not a passed one: the same records fold, told of each skip
        const skipped: { index: number; rule: string }[] = [];
        let s = emptyRegistryState();
        for (const r of records) s = applyRecord(s, r, { unchecked: (u) => skipped.push(u) });
        expect(new Set(skipped.map((u) => u.rule))).toEqual(new Set(report.unchecked.map((u) => u.rule)));
        // and without `unchecked` (the write path) the first concealed record is refused
        let refusedAt: unknown;
        s = emptyRegistryState();
        try {
          for (const r of records) s = applyRecord(s, r);
        } catch (e) {
          refusedAt = e;
        }
        expect(refusedAt).toMatchObject({ code: 'REGISTRY_DISCLOSURE_REQUIRED', details: { index: sealed[0] } });
        await log.close();
      }),
      { numRuns: 15, seed: 20261127 },
    );
    expect(unchecked).toBeGreaterThan(0);
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
        // (a record whose type is changed may now carry digests where that type has nothing confidential)
        for (const v of report.violations) expect(v.code).toMatch(/^(BUNDLE|REGISTRY|DISCLOSURE)_/);
      }),
      { numRuns: 150, seed: 42 },
    );
    await base.log.close();
  });
});

describe('audit: rule violations in a well-signed bundle', () => {
  it('a concealed record that breaks a rule is reported once: its disclosures still match digests of the ledger', async () => {
    const log = await Log.open(memoryStore(), { origin: 'registry.example/rogue-sealed', logKey });
    let t = Date.parse('2026-03-01T00:00:00.000Z');
    const disclosures: string[] = [];
    const add = async (by: typeof root, type: RecordType, payload: object): Promise<void> => {
      t += 1000;
      const c = concealPayload(type, payload);
      disclosures.push(...c.disclosures);
      await log.append(buildRecord(log.head(), { type, payload: c.payload as never, time: new Date(t).toISOString() }, by));
    };
    await add(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'rogue' });
    await add(root, 'role.granted', { subject: registry.did, role: 'registry' });
    await add(holderA, 'asset.registered', assetPayload('X-1', holderA)); // 2: not the registry
    await add(registry, 'asset.registered', assetPayload('X-2', holderA)); // 3: fine
    await add(registry, 'asset.registered', { ...assetPayload('X-3', holderA), classification: 'secret' }); // 4: a public member is invalid
    const report = await auditBundle(log.exportBundle(), { trustedLogKeys: [log.verifierKey], disclosures: disclosureMap(disclosures) });
    expect(report.violations.map((v) => [v.index, v.code])).toEqual([
      [2, 'REGISTRY_UNAUTHORISED'],
      [4, 'REGISTRY_PAYLOAD_INVALID'],
    ]);
    // without the disclosures the public members are still checked: the same violations
    const blind = await auditBundle(log.exportBundle(), { trustedLogKeys: [log.verifierKey] });
    expect(blind.violations).toEqual(report.violations);
    expect(blind.complete).toBe(false);
    expect(report.disclosures).toEqual({ given: disclosures.length, used: disclosures.length });
    // a disclosure of another ledger is the one that is foreign
    const other = concealPayload('asset.valued', { registrationNumber: 'X-2', valuation: { amount: '1', currency: 'CNY', method: 'cost' } }).disclosures;
    const withForeign = await auditBundle(log.exportBundle(), { trustedLogKeys: [log.verifierKey], disclosures: disclosureMap([...disclosures, ...other]) });
    expect(withForeign.violations.map((v) => [v.index, v.code])).toEqual([
      [2, 'REGISTRY_UNAUTHORISED'],
      [4, 'REGISTRY_PAYLOAD_INVALID'],
      [null, 'DISCLOSURE_FOREIGN'],
    ]);
    await log.close();
  });

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
