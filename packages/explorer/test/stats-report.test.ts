/**
 * The statistics view's report (JSON and CSV downloads) keeps the registry's small-cell rule
 * (certificates README "Desensitisation (masking table)"): a suppressed count is `null` in the
 * JSON and `<k` in the CSV, never 0; a month with no such record is a true 0. The ledger is
 * replayed through the registry's own state machine; the expected figures are written out here.
 */
import { describe, expect, it } from 'vitest';
import { applyRecord, emptyRegistryState, statisticsReport, type RegistryRecord, type RegistryState } from '@dataledger/certificates';
import { didKeyFromPublicKey, generateKeyPair } from '@dataledger/core';
import type { VerifiedLedger } from '../src/ledger.ts';
import { reportCsv, reportOf } from '../src/views/stats.ts';

const did = (): string => didKeyFromPublicKey(generateKeyPair().publicKey);
const [root, registry, reviewer, holder, holder2, bank] = [did(), did(), did(), did(), did(), did()];
const FROM = '2026-01-01T00:00:00Z';

function asset(rn: string, owner: string, classification: string, department: string): object {
  return {
    registrationNumber: rn,
    name: `Dataset ${rn}`,
    holder: { id: owner, foreign: false },
    source: { department, authorisationBasis: 'Catalogue No. 3' },
    classification,
    rights: ['holding'],
    fingerprint: rn === 'A-1' ? 'a'.repeat(64) : rn === 'A-2' ? 'b'.repeat(64) : 'c'.repeat(64),
    fingerprintOf: 'data',
    rowCount: 10,
    updateFrequency: 'monthly',
    validity: { from: FROM, until: '2030-01-01T00:00:00Z' },
    subjectIdentified: false,
    subjects: [],
  };
}

function licence(id: string, rn: string, purpose: string): object {
  return {
    licenceId: id,
    registrationNumber: rn,
    licensee: { id: bank, foreign: false },
    purpose,
    scope: ['read'],
    term: { from: FROM, until: '2029-01-01T00:00:00Z' },
    sublicensable: false,
  };
}

/** Genesis, roles, three assets (two departments), reviews, two licences in February, a transfer in March. */
function replay(): RegistryState {
  const steps: [string, string, object, string][] = [
    [root, 'ledger.genesis', { rootAuthority: root, ledgerName: 'explorer statistics' }, '2026-01-01T00:00:00Z'],
    [root, 'role.granted', { subject: registry, role: 'registry' }, '2026-01-01T00:00:01Z'],
    [root, 'role.granted', { subject: reviewer, role: 'reviewer' }, '2026-01-01T00:00:02Z'],
    [root, 'role.granted', { subject: holder, role: 'holder' }, '2026-01-01T00:00:03Z'],
    [registry, 'asset.registered', asset('A-1', holder, 'general', 'Energy Bureau'), '2026-01-02T00:00:00Z'],
    [registry, 'asset.registered', asset('A-2', holder, 'general', 'Energy Bureau'), '2026-01-02T00:00:01Z'],
    [registry, 'asset.registered', asset('A-3', holder, 'important', 'Transport Dept'), '2026-01-02T00:00:02Z'],
    [reviewer, 'asset.reviewed', { registrationNumber: 'A-1', outcome: 'approved', opinion: 'ok' }, '2026-01-03T00:00:00Z'],
    [reviewer, 'asset.reviewed', { registrationNumber: 'A-2', outcome: 'approved', opinion: 'ok' }, '2026-01-03T00:00:01Z'],
    [holder, 'licence.granted', licence('L-1', 'A-1', 'credit-assessment'), '2026-02-01T00:00:00Z'],
    [holder, 'licence.granted', licence('L-2', 'A-2', 'credit-assessment'), '2026-02-01T00:00:01Z'],
    [holder, 'asset.transferred', { registrationNumber: 'A-1', to: { id: holder2, foreign: false }, keepLicences: true }, '2026-03-01T00:00:00Z'],
  ];
  let state = emptyRegistryState();
  steps.forEach(([actor, type, payload, time], index) => {
    // The registry rules do not read signatures (the log checks them): a placeholder will do.
    const record = { v: 1, index, type, time, actor, prev: '', payload, sig: 'A'.repeat(86) } as unknown as RegistryRecord;
    state = applyRecord(state, record);
  });
  return state;
}

const ledgerOf = (state: RegistryState, minCell?: number): VerifiedLedger =>
  ({
    checkpoint: { origin: 'example.org/log', size: state.size, rootHash: new Uint8Array(32) },
    note: '',
    records: [],
    verified: true,
    state,
    statistics: statisticsReport(state, minCell === undefined ? {} : { minCell }),
  }) as unknown as VerifiedLedger;

describe('the statistics view report', () => {
  it('shows suppressed cells as null (JSON) and <5 (CSV), true zeros as 0', () => {
    const r = reportOf(ledgerOf(replay()));
    expect(r.minCell).toBe(5);
    expect(r.assetsByClassification).toEqual({ general: null, important: null, core: 0 });
    expect(r.assetsByDepartment).toEqual({ 'Energy Bureau': null, 'Transport Dept': null });
    expect(r.licencesByPurpose).toEqual({ 'credit-assessment': null });
    // February: 2 licences (suppressed), no transfer (0); March: 1 transfer (suppressed), no licence (0)
    expect(r.circulationByMonth).toEqual([
      { month: '2026-02', transfers: 0, licences: null },
      { month: '2026-03', transfers: null, licences: 0 },
    ]);
    // only the breakdowns the page shows (not by holder or status)
    expect(r.suppressed).toEqual([
      'assets.byClassification.general',
      'assets.byClassification.important',
      'assets.byDepartment.Energy Bureau',
      'assets.byDepartment.Transport Dept',
      'transfers.byPeriod.2026-03',
      'licences.grantedByPeriod.2026-02',
      'licences.byPurpose.credit-assessment',
    ]);
    const lines = reportCsv(r).split('\r\n');
    expect(lines).toContain('statistics,minCell,5');
    expect(lines).toContain('assetsByClassification,general,<5');
    expect(lines).toContain('assetsByClassification,core,0');
    expect(lines).toContain('circulationByMonth,2026-02,0,<5');
    expect(lines).toContain('licencesByPurpose,credit-assessment,<5');
  });

  it('with k = 1 shows every count', () => {
    const r = reportOf(ledgerOf(replay(), 1));
    expect(r.assetsByClassification).toEqual({ general: 2, important: 1, core: 0 });
    expect(r.assetsByDepartment).toEqual({ 'Energy Bureau': 2, 'Transport Dept': 1 });
    expect(r.circulationByMonth).toEqual([
      { month: '2026-02', transfers: 0, licences: 2 },
      { month: '2026-03', transfers: 1, licences: 0 },
    ]);
    expect(r.suppressed).toEqual([]);
    expect(reportCsv(r).split('\r\n')).toContain('assetsByDepartment,Energy Bureau,2');
  });
});
