/**
 * Fixtures shared by every test (package tests import this file by relative path): the
 * contract's role table, copied from DESIGN.md, and the payloads every lifecycle starts with.
 * One copy each, so a date or a rule cannot drift between the package and HTTP tests.
 */
import { sha256, toHex, utf8Encode } from '@dataledger/core';

/**
 * DESIGN.md, "Who may write each record type", copied verbatim (record types, written by).
 * The code's table is compared with this copy, never with itself: edit it only together with
 * DESIGN.md.
 */
export const DESIGN_WRITERS: readonly (readonly [types: readonly string[], writtenBy: string])[] = [
  [['ledger.genesis'], 'the first record only; names the root authority'],
  [['role.granted', 'role.revoked'], 'the root authority'],
  [['asset.registered', 'asset.changed', 'certificate.issued'], 'registry'],
  [['asset.reviewed'], 'reviewer'],
  [['asset.valued'], 'appraiser'],
  [['certificate.suspended', 'certificate.reinstated', 'certificate.revoked'], 'registry or regulator'],
  [['asset.transferred', 'licence.granted'], "holder (the asset's current holder)"],
  [['licence.revoked'], 'holder or regulator'],
  [['asset.frozen', 'asset.unfrozen', 'asset.cancelled', 'crossborder.approved'], 'regulator'],
  [['consent.granted', 'consent.revoked'], 'the data subject itself'],
  [['aggregation.opened', 'aggregation.released'], 'exchange or regulator'],
  [['aggregation.contributed'], 'holder'],
  [['disclosure.erased'], 'regulator, or the data subject for its own consent'],
];

/** Who may write a record type, read off one row of {@link DESIGN_WRITERS}. */
export interface DesignWriters {
  /** Only as the first record, by the root authority it names. */
  genesis: boolean;
  /** Only the root authority. */
  rootAuthority: boolean;
  /** Only the data subject itself (no role). */
  dataSubject: boolean;
  /** Roles of which the writer holds one (empty for the first three cases; with `dataSubject`: either). */
  anyOf: string[];
}

/** {@link DESIGN_WRITERS} as one entry per record type. */
export function designWriters(): Map<string, DesignWriters> {
  const out = new Map<string, DesignWriters>();
  for (const [types, text] of DESIGN_WRITERS) {
    const w: DesignWriters = { genesis: false, rootAuthority: false, dataSubject: false, anyOf: [] };
    if (text.startsWith('the first record only')) w.genesis = true;
    else if (text === 'the root authority') w.rootAuthority = true;
    else if (text === 'the data subject itself') w.dataSubject = true;
    else if (text === 'regulator, or the data subject for its own consent') {
      w.anyOf = ['regulator'];
      w.dataSubject = true;
    }
    // "registry or regulator", "holder (the asset's current holder)"
    else
      w.anyOf = text
        .replace(/\s*\(.*\)$/u, '')
        .split(/,? or /u)
        .map((r) => r.trim());
    for (const t of types) out.set(t, w);
  }
  return out;
}

/** The fixed dates every fixture uses: inside them everything is valid. */
export const FIXTURE_DATES = {
  /** Start of every asset validity and licence term. */
  from: '2026-01-01T00:00:00Z',
  /** End of an asset's validity. */
  assetUntil: '2030-12-31T00:00:00Z',
  /** End of a licence's term (before the asset's, as a licence may not outlive it). */
  licenceUntil: '2029-12-31T00:00:00Z',
} as const;

/** An `asset.registered` payload for `rn` held by `holder` (its fingerprint derives from `rn`). */
export function assetPayload(rn: string, holder: { did: string }, extra: Record<string, unknown> = {}) {
  return {
    registrationNumber: rn,
    name: `Dataset ${rn}`,
    holder: { id: holder.did, foreign: false, name: 'Holder' },
    source: { department: 'Provincial Energy Bureau', authorisationBasis: 'Public data open catalogue 2026 No. 3' },
    classification: 'general' as const,
    rights: ['holding', 'processing-and-use'] as ('holding' | 'processing-and-use' | 'product-operation')[],
    fingerprint: toHex(sha256(utf8Encode(rn))),
    fingerprintOf: 'data' as const,
    rowCount: 1000,
    updateFrequency: 'monthly' as const,
    valuation: { amount: '125000.50', currency: 'CNY', method: 'cost' as const },
    validity: { from: FIXTURE_DATES.from, until: FIXTURE_DATES.assetUntil },
    subjectIdentified: false,
    subjects: [] as string[],
    ...extra,
  };
}

/** A `licence.granted` payload: licence `id` over asset `rn` to `licensee`. */
export function licencePayload(id: string, rn: string, licensee: { did: string }, extra: Record<string, unknown> = {}) {
  return {
    licenceId: id,
    registrationNumber: rn,
    licensee: { id: licensee.did, foreign: false },
    purpose: 'credit-assessment',
    scope: ['read', 'analyse'],
    term: { from: FIXTURE_DATES.from, until: FIXTURE_DATES.licenceUntil },
    sublicensable: false,
    ...extra,
  };
}
