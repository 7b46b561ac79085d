/**
 * Small-cell suppression of the statistics report (README "Desensitisation (masking table)",
 * the k rule): every breakdown cell of 1 to k−1 contributors is null and listed; a breakdown
 * with a single such cell loses its next smallest cell too (the smallest non-zero one, else a
 * zero), since the published total would give it back; totals stay. Expected reports are
 * written out by hand from the ledger built here.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIN_CELL, auditRecords, statisticsReport } from '../src/index.ts';
import { Ledger, assetPayload, bank, exchange, holderA, holderB, licencePayload, registry, reviewer, withRoles } from './fixtures.ts';

const ENERGY = { department: 'Energy Bureau', authorisationBasis: 'Catalogue No. 3' };
const TRANSPORT = { department: 'Transport Dept', authorisationBasis: 'Catalogue No. 7' };

/**
 * Ten assets: A1–A6 holder A, general, energy; A7 holder A, important, energy; B1–B2 holder B,
 * general, transport; B3 holder B, core, transport (its department counts under `***`). A1–A6 approved (active), the rest
 * unreviewed. Four licences on A1–A4: three for credit assessment, one for traffic planning.
 */
function ledger(): Ledger {
  const l = withRoles(new Ledger());
  for (let i = 1; i <= 6; i++) l.add(registry, 'asset.registered', assetPayload(`A-${i}`, holderA, { source: ENERGY }));
  l.add(registry, 'asset.registered', assetPayload('A-7', holderA, { source: ENERGY, classification: 'important' }));
  for (const n of [1, 2]) l.add(registry, 'asset.registered', assetPayload(`B-${n}`, holderB, { source: TRANSPORT }));
  l.add(registry, 'asset.registered', assetPayload('B-3', holderB, { source: TRANSPORT, classification: 'core' }));
  for (let i = 1; i <= 6; i++) l.add(reviewer, 'asset.reviewed', { registrationNumber: `A-${i}`, outcome: 'approved', opinion: 'compliant' });
  for (let i = 1; i <= 3; i++) l.add(holderA, 'licence.granted', licencePayload(`L-${i}`, `A-${i}`, bank));
  l.add(holderA, 'licence.granted', licencePayload('L-4', 'A-4', exchange, { purpose: 'traffic-planning' }));
  return l;
}

describe('statistics report: small cells', () => {
  it('suppresses 1..k−1 cells, and one more where a single one would be given back by the total', () => {
    const l = ledger();
    const s = statisticsReport(l.state);
    expect(DEFAULT_MIN_CELL).toBe(5);
    expect(s.minCell).toBe(5);
    // totals stay
    expect(s.assets.total).toBe(10);
    expect(s.licences.granted).toBe(4);
    // important 1 and core 1: two small cells, no secondary needed
    expect(s.assets.byClassification).toEqual({ general: 8, important: null, core: null });
    // unreviewed 4 is alone: active 6 (the smallest non-zero) goes too, the zeros stay
    expect(s.assets.byStatus).toEqual({ cancelled: 0, frozen: 0, rejected: 0, unreviewed: null, expired: 0, active: null });
    // holder B has 3: holder A's 7 would give it back from the total of 10
    expect(s.assets.byHolder).toEqual({ [holderA.did]: null, [holderB.did]: null });
    // B-3 is core: its department is counted under *** (GB/T 37964 suppression); Transport 2
    // and *** 1 are both small
    expect(s.assets.byDepartment).toEqual({ '***': null, 'Energy Bureau': 7, 'Transport Dept': null });
    expect(s.assets.registeredByPeriod).toEqual({ '2026-01': 10 });
    // one cell of 4: nothing else to hide it among (its total, 4, is published)
    expect(s.licences.grantedByPeriod).toEqual({ '2026-01': null });
    expect(s.licences.byPurpose).toEqual({ 'credit-assessment': null, 'traffic-planning': null });
    expect(s.transfers).toEqual({ total: 0, byPeriod: {} });
    expect(s.suppressed).toEqual([
      'assets.byClassification.important',
      'assets.byClassification.core',
      'assets.byStatus.unreviewed',
      'assets.byStatus.active',
      `assets.byHolder.${holderA.did}`,
      `assets.byHolder.${holderB.did}`,
      'assets.byDepartment.***',
      'assets.byDepartment.Transport Dept',
      'licences.grantedByPeriod.2026-01',
      'licences.byPurpose.credit-assessment',
      'licences.byPurpose.traffic-planning',
    ]);
  });

  it('k = 1 publishes every count; a larger k hides more', () => {
    const l = ledger();
    const all = statisticsReport(l.state, { minCell: 1 });
    expect(all.suppressed).toEqual([]);
    expect(all.assets.byClassification).toEqual({ general: 8, important: 1, core: 1 });
    expect(all.assets.byHolder).toEqual({ [holderA.did]: 7, [holderB.did]: 3 });
    expect(all.assets.byDepartment).toEqual({ '***': 1, 'Energy Bureau': 7, 'Transport Dept': 2 });
    expect(all.licences.byPurpose).toEqual({ 'credit-assessment': 3, 'traffic-planning': 1 });
    expect(all.assets.byStatus).toEqual({ cancelled: 0, frozen: 0, rejected: 0, unreviewed: 4, expired: 0, active: 6 });
    const k3 = statisticsReport(l.state, { minCell: 3 });
    // important 1 and core 1 hidden; holder B's 3 is not below 3
    expect(k3.assets.byClassification).toEqual({ general: 8, important: null, core: null });
    expect(k3.assets.byHolder).toEqual({ [holderA.did]: 7, [holderB.did]: 3 });
    // traffic-planning 1 alone: credit-assessment 3 goes with it
    expect(k3.licences.byPurpose).toEqual({ 'credit-assessment': null, 'traffic-planning': null });
    const k9 = statisticsReport(l.state, { minCell: 9 });
    expect(k9.assets.byClassification).toEqual({ general: null, important: null, core: null });
    expect(k9.assets.registeredByPeriod).toEqual({ '2026-01': 10 });
  });

  it('a single small cell among zeros takes the first zero with it', () => {
    const l = withRoles(new Ledger());
    for (let i = 1; i <= 3; i++) l.add(registry, 'asset.registered', assetPayload(`G-${i}`, holderA));
    const s = statisticsReport(l.state);
    expect(s.assets.byClassification).toEqual({ general: null, important: null, core: 0 });
    expect(s.assets.byStatus).toEqual({ cancelled: null, frozen: 0, rejected: 0, unreviewed: null, expired: 0, active: 0 });
    expect(s.assets.total).toBe(3);
  });

  it('the audit reports with the same k, and refuses a k that is not a positive integer', () => {
    const l = ledger();
    expect(auditRecords(l.records).statistics).toEqual(statisticsReport(l.state));
    expect(auditRecords(l.records, { minCell: 1 }).statistics.assets.byClassification).toEqual({ general: 8, important: 1, core: 1 });
    expect(() => statisticsReport(l.state, { minCell: 0 })).toThrow(RangeError);
    expect(() => statisticsReport(l.state, { minCell: 2.5 })).toThrow(RangeError);
  });
});
