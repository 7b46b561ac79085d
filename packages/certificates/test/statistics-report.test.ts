/**
 * The statistics report (统计报告) of a generated ledger of 100,000 records, audited from its
 * JSON lines, matches counts computed independently here from a simple model of the
 * generated lifecycle (not from the registry state).
 */
import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '@dataledger/provenance';
import { auditRecords, certificateSubject, subjectHash, type AssetState, type StatisticsReport } from '../src/index.ts';
import { actor, assetPayload, hex, makeRecord, registry, regulator, reviewer, root, type Actor } from './fixtures.ts';

const N = 100_000;
const HOLDERS = 50;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const SPAN = Date.parse('2027-07-01T00:00:00.000Z') - T0;
const DAY = 86_400_000;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelAsset {
  rn: string;
  classification: 'general' | 'important' | 'core';
  holder: number;
  review: 'pending' | 'approved' | 'rejected';
  frozen: boolean;
  cancelled: boolean;
  from: number;
  until: number;
  /** The registration payload and the current holder party: what a certificate states. */
  payload: Record<string, unknown>;
  party: Record<string, unknown>;
}
interface ModelLicence {
  id: string;
  licensor: number;
  active: boolean;
  from: number;
  until: number;
}
interface ModelCert {
  id: string;
  rn: string;
  status: 'active' | 'suspended' | 'revoked';
}

describe('statistics report of a 100,000-record ledger', () => {
  it('matches independently computed counts', () => {
    const rnd = prng(20261126);
    const int = (n: number): number => Math.floor(rnd() * n);
    const holders: Actor[] = Array.from({ length: HOLDERS }, (_, i) => actor(1000 + i));
    const records: LedgerRecord[] = [];
    const month = (t: number): string => new Date(t).toISOString().slice(0, 7);
    const bump = (m: Record<string, number>, k: string): void => {
      m[k] = (m[k] ?? 0) + 1;
    };
    // Cheap signing: the registry rules do not look at signatures (the log checks them; the
    // signed-bundle audit is tested in audit.test.ts), so records carry a placeholder.
    const emit = (by: Actor, type: string, payload: Record<string, unknown>, time: number): void => {
      records.push(makeRecord(records.length, by, type, payload, { time: new Date(time).toISOString(), signed: false }) as LedgerRecord);
    };

    // the independent model
    const assets: ModelAsset[] = [];
    const licences: ModelLicence[] = [];
    const certs: ModelCert[] = [];
    const registered: Record<string, number> = {};
    const transfers: Record<string, number> = {};
    const licGranted: Record<string, number> = {};
    const licRevoked: Record<string, number> = {};
    const certIssued: Record<string, number> = {};
    const certRevoked: Record<string, number> = {};

    const t = (): number => T0 + Math.floor((records.length * SPAN) / N);
    emit(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'generated 100k' }, t());
    emit(root, 'role.granted', { subject: registry.did, role: 'registry' }, t());
    emit(root, 'role.granted', { subject: reviewer.did, role: 'reviewer' }, t());
    emit(root, 'role.granted', { subject: regulator.did, role: 'regulator' }, t());
    for (const h of holders) emit(root, 'role.granted', { subject: h.did, role: 'holder' }, t());

    const circulable = (a: ModelAsset, now: number): boolean =>
      a.review === 'approved' && !a.frozen && !a.cancelled && a.classification !== 'core' && now >= a.from && now <= a.until;
    const tryPick = <T>(xs: T[], ok: (x: T) => boolean): T | undefined => {
      for (let i = 0; i < 8 && xs.length > 0; i++) {
        const x = xs[int(xs.length)] as T;
        if (ok(x)) return x;
      }
      return undefined;
    };

    while (records.length < N) {
      const now = t();
      const roll = rnd();
      if (roll < 0.2 || assets.length < 20) {
        const rn = `G-${assets.length}`;
        const classification = (['general', 'general', 'general', 'important', 'core'] as const)[int(5)] as ModelAsset['classification'];
        const holder = int(HOLDERS);
        const until = rnd() < 0.1 ? now + 30 * DAY : Date.parse('2028-12-31T00:00:00.000Z');
        const from = Date.parse('2026-01-01T00:00:00.000Z');
        const p = assetPayload(rn, holders[holder] as Actor, {
          classification,
          fingerprint: hex(assets.length + 1),
          validity: { from: new Date(from).toISOString(), until: new Date(until).toISOString() },
        });
        delete p.valuation;
        emit(registry, 'asset.registered', p as never, now);
        assets.push({
          rn,
          classification,
          holder,
          review: 'pending',
          frozen: false,
          cancelled: false,
          from,
          until,
          payload: { ...p },
          party: { ...p.holder },
        });
        bump(registered, month(now));
        continue;
      }
      if (roll < 0.35) {
        const a = tryPick(assets, (x) => x.review === 'pending' && !x.cancelled);
        if (a) {
          a.review = rnd() < 0.9 ? 'approved' : 'rejected';
          emit(reviewer, 'asset.reviewed', { registrationNumber: a.rn, outcome: a.review, opinion: 'ok' }, now);
          continue;
        }
      } else if (roll < 0.5) {
        const a = tryPick(assets, (x) => circulable(x, now));
        if (a) {
          const to = (a.holder + 1 + int(HOLDERS - 1)) % HOLDERS;
          // The previous holder's licences are kept (the model lets their licensor revoke them).
          const party = { id: (holders[to] as Actor).did, foreign: false };
          emit(holders[a.holder] as Actor, 'asset.transferred', { registrationNumber: a.rn, to: party, keepLicences: true }, now);
          a.holder = to;
          a.party = party;
          bump(transfers, month(now));
          continue;
        }
      } else if (roll < 0.65) {
        const a = tryPick(assets, (x) => circulable(x, now));
        if (a) {
          const to = (a.holder + 1 + int(HOLDERS - 1)) % HOLDERS;
          const id = `L-${licences.length}`;
          const from = now - DAY;
          const until = Math.min(a.until, now + (10 + int(120)) * DAY);
          emit(
            holders[a.holder] as Actor,
            'licence.granted',
            {
              licenceId: id,
              registrationNumber: a.rn,
              licensee: { id: (holders[to] as Actor).did, foreign: false },
              purpose: 'analytics',
              scope: ['read'],
              term: { from: new Date(from).toISOString(), until: new Date(until).toISOString() },
              sublicensable: false,
            },
            now,
          );
          licences.push({ id, licensor: a.holder, active: true, from, until });
          bump(licGranted, month(now));
          continue;
        }
      } else if (roll < 0.68) {
        const l = tryPick(licences, (x) => x.active);
        if (l) {
          emit(holders[l.licensor] as Actor, 'licence.revoked', { licenceId: l.id, reason: 'ended' }, now);
          l.active = false;
          bump(licRevoked, month(now));
          continue;
        }
      } else if (roll < 0.71) {
        const a = tryPick(assets, (x) => !x.cancelled && !x.frozen);
        if (a) {
          emit(regulator, 'asset.frozen', { registrationNumber: a.rn, reason: 'check' }, now);
          a.frozen = true;
          continue;
        }
      } else if (roll < 0.74) {
        const a = tryPick(assets, (x) => !x.cancelled && x.frozen);
        if (a) {
          emit(regulator, 'asset.unfrozen', { registrationNumber: a.rn, reason: 'cleared' }, now);
          a.frozen = false;
          continue;
        }
      } else if (roll < 0.76) {
        const a = tryPick(assets, (x) => !x.cancelled);
        if (a) {
          emit(regulator, 'asset.cancelled', { registrationNumber: a.rn, reason: 'withdrawn' }, now);
          a.cancelled = true;
          // Cancelling an asset revokes its certificates (DESIGN.md); no record, no counter.
          for (const c of certs) if (c.rn === a.rn) c.status = 'revoked';
          continue;
        }
      } else if (roll < 0.88) {
        const a = tryPick(assets, (x) => x.review === 'approved' && !x.frozen && !x.cancelled && now >= x.from && now <= x.until);
        if (a) {
          const id = `urn:uuid:00000000-0000-4000-8000-${String(certs.length).padStart(12, '0')}`;
          emit(
            registry,
            'certificate.issued',
            {
              certificateId: id,
              registrationNumber: a.rn,
              statusListIndex: certs.length,
              revocationList: 'https://registry.example/status/revocation',
              suspensionList: 'https://registry.example/status/suspension',
              validFrom: '2026-01-01T00:00:00Z',
              validUntil: new Date(Math.min(Date.parse('2028-01-01T00:00:00Z'), a.until)).toISOString(),
              subjectHash: subjectHash(certificateSubject({ ...a.payload, holder: a.party, valuation: null, sealed: {}, opaque: [] } as unknown as AssetState)),
            },
            now,
          );
          certs.push({ id, rn: a.rn, status: 'active' });
          bump(certIssued, month(now));
          continue;
        }
      } else if (roll < 0.93) {
        const c = tryPick(certs, (x) => x.status !== 'revoked');
        if (c) {
          emit(regulator, 'certificate.revoked', { certificateId: c.id, reason: 'r' }, now);
          c.status = 'revoked';
          bump(certRevoked, month(now));
          continue;
        }
      } else if (roll < 0.97) {
        const c = tryPick(certs, (x) => x.status !== 'revoked');
        if (c) {
          const type = c.status === 'active' ? 'certificate.suspended' : 'certificate.reinstated';
          emit(regulator, type, { certificateId: c.id, reason: 'r' }, now);
          c.status = c.status === 'active' ? 'suspended' : 'active';
          continue;
        }
      }
      // nothing applicable: a review is repeated (same outcome, no change of state)
      const a = tryPick(assets, (x) => !x.cancelled && x.review !== 'pending');
      if (a) emit(reviewer, 'asset.reviewed', { registrationNumber: a.rn, outcome: a.review, opinion: 'again' }, now);
    }

    // The ledger as a regulator receives it: JSON lines, parsed back.
    const lines = records.map((r) => JSON.stringify(r));
    // k = 1: this test is about the counts (small-cell suppression: statistics-suppression.test.ts).
    const report = auditRecords(
      lines.map((l) => JSON.parse(l) as LedgerRecord),
      { minCell: 1 },
    );
    expect(report.violations).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.records).toBe(N);

    // independent counts
    const asOf = Date.parse(records[N - 1]!.time);
    const byClassification = { general: 0, important: 0, core: 0 };
    const byStatus = { cancelled: 0, frozen: 0, rejected: 0, unreviewed: 0, expired: 0, active: 0 };
    const byHolder: Record<string, number> = {};
    for (const a of assets) {
      byClassification[a.classification]++;
      const st = a.cancelled
        ? 'cancelled'
        : a.frozen
          ? 'frozen'
          : a.review === 'rejected'
            ? 'rejected'
            : a.review === 'pending'
              ? 'unreviewed'
              : asOf < a.from || asOf > a.until
                ? 'expired'
                : 'active';
      byStatus[st]++;
      const did = (holders[a.holder] as Actor).did;
      byHolder[did] = (byHolder[did] ?? 0) + 1;
    }
    const sum = (m: Record<string, number>): number => Object.values(m).reduce((x, y) => x + y, 0);
    const sorted = (m: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
    const expected: StatisticsReport = {
      asOf: records[N - 1]!.time,
      records: N,
      minCell: 1,
      suppressed: [],
      assets: {
        total: assets.length,
        byClassification,
        byStatus,
        byHolder,
        // every generated asset comes from the fixture's one department; a core asset's counts
        // under *** (README "Desensitisation (masking table)")
        byDepartment: { '***': byClassification.core, 'Provincial Energy Bureau': assets.length - byClassification.core },
        registeredByPeriod: sorted(registered),
      },
      transfers: { total: sum(transfers), byPeriod: sorted(transfers) },
      licences: {
        granted: licences.length,
        grantedByPeriod: sorted(licGranted),
        byPurpose: { analytics: licences.length },
        revoked: sum(licRevoked),
        revokedByPeriod: sorted(licRevoked),
        active: licences.filter((l) => l.active && asOf >= l.from && asOf <= l.until).length,
        ended: 0,
      },
      certificates: {
        issued: certs.length,
        issuedByPeriod: sorted(certIssued),
        revoked: certs.filter((c) => c.status === 'revoked').length,
        revokedByPeriod: sorted(certRevoked),
        suspended: certs.filter((c) => c.status === 'suspended').length,
        active: certs.filter((c) => c.status === 'active').length,
      },
      aggregations: { opened: 0, released: 0, contributions: 0 },
    };
    expect(report.statistics).toEqual(expected);
    // the generated ledger is not degenerate
    expect(Object.keys(expected.transfers.byPeriod).length).toBeGreaterThanOrEqual(12);
    expect(expected.transfers.total).toBeGreaterThan(5_000);
    expect(expected.licences.granted).toBeGreaterThan(5_000);
    expect(expected.certificates.revoked).toBeGreaterThan(1_000);
    for (const s of Object.values(byStatus)) expect(s).toBeGreaterThan(0);
  }, 60_000);
});
