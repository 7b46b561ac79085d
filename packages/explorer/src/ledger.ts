/**
 * The public ledger as the page knows it: every entry, checked against the checkpoint the
 * trusted key signed (the leaf hashes must rebuild its root, RFC 9162 §2.1.1), then replayed
 * through the registry's own state machine (`RegistryAuditor`) for roles, assets, licences
 * and statistics. Nothing here is taken on the server's word.
 */
import { RegistryAuditor, statisticsReport, type RegistryRecord, type RegistryState, type StatisticsReport } from '@dataledger/certificates';
import { merkleRoot, recordLeafHash, type Checkpoint, type LedgerRecord } from '@dataledger/provenance';
import { equalBytes } from '@dataledger/core';
import { checkpointNote, entries } from './api.ts';
import { openTrusted } from './trust.ts';

/** Most records one read returns (the service's limit). */
const PAGE = 1000;

/** The verified ledger. */
export interface VerifiedLedger {
  checkpoint: Checkpoint;
  note: string;
  records: LedgerRecord[];
  /** True when the records rebuild the signed root. */
  verified: boolean;
  state: RegistryState;
  statistics: StatisticsReport;
}

let cache: { key: string; ledger: VerifiedLedger } | null = null;

/**
 * Fetches and verifies the whole ledger at the current checkpoint.
 * @throws DataLedgerError (`CHECKPOINT_…`) when the checkpoint is not signed by the trusted key
 */
export async function loadLedger(): Promise<VerifiedLedger> {
  const note = await checkpointNote();
  const checkpoint = await openTrusted(note);
  const key = `${checkpoint.size}\n${note}`;
  if (cache !== null && cache.key === key) return cache.ledger;
  const records: LedgerRecord[] = [];
  for (let start = 0; start < checkpoint.size; start += PAGE) {
    records.push(...(await entries(start, Math.min(checkpoint.size, start + PAGE))));
  }
  const verified = records.length === checkpoint.size && equalBytes(merkleRoot(records.map((r) => recordLeafHash(r))), checkpoint.rootHash);
  const auditor = new RegistryAuditor();
  if (verified) for (const r of records) auditor.push(r as unknown as RegistryRecord);
  const ledger: VerifiedLedger = {
    checkpoint,
    note,
    records: verified ? records : [],
    verified,
    state: auditor.state,
    statistics: statisticsReport(auditor.state),
  };
  cache = { key, ledger };
  return ledger;
}

/** The asset a record concerns: its registration number, directly or through a licence or certificate. */
export function assetOf(record: LedgerRecord, state: RegistryState): string | null {
  const p = record.payload as Record<string, unknown>;
  if (typeof p.registrationNumber === 'string') return p.registrationNumber;
  if (typeof p.licenceId === 'string') return state.licences.get(p.licenceId)?.registrationNumber ?? null;
  if (typeof p.certificateId === 'string') return state.certificates.get(p.certificateId)?.registrationNumber ?? null;
  if (typeof p.consentId === 'string') return state.consents.get(p.consentId)?.registrationNumber ?? null;
  return null;
}
