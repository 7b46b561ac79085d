/**
 * The disclosure policy table of the package README ("Disclosure policy") against the contract
 * (the design's table, written out below, and DESIGN.md's) and against the code:
 * `CONFIDENTIAL_MEMBERS`, the payload schemas (every member is in exactly one column) and what
 * `disclosurePolicy` / `policyFromJson` let a deployment change. The code is checked against the
 * document, never against itself.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIDENTIAL_MEMBERS, PAYLOAD_SCHEMAS, RECORD_TYPES, disclosurePolicy, policyFromJson, policyJson, type RecordType } from '../src/index.ts';

/** The confidential members per record type, as the design's table states them. */
const EXPECTED_CONFIDENTIAL: Readonly<Record<string, readonly string[]>> = {
  'asset.registered': ['holder.name', 'description', 'valuation', 'subjects'],
  'asset.reviewed': ['opinion'],
  'asset.valued': ['valuation'],
  'asset.changed': ['changes.description', 'changes.subjects'],
  'asset.transferred': ['to.name', 'price'],
  'licence.granted': ['licensee.name', 'fee'],
  'consent.granted': ['person'],
};

/** The public members per record type: everything the public replay of roles, chain and rules reads. */
const EXPECTED_PUBLIC: Readonly<Record<RecordType, readonly string[]>> = {
  'ledger.genesis': ['rootAuthority', 'ledgerName'],
  'role.granted': ['subject', 'role'],
  'role.revoked': ['subject', 'role'],
  'asset.registered': [
    'registrationNumber',
    'name',
    'holder.id',
    'holder.foreign',
    'source',
    'classification',
    'rights',
    'fingerprint',
    'fingerprintOf',
    'rowCount',
    'updateFrequency',
    'validity',
    'subjectIdentified',
  ],
  'asset.reviewed': ['registrationNumber', 'outcome', 'reportHash'],
  'asset.valued': ['registrationNumber', 'reportHash'],
  'certificate.issued': [
    'certificateId',
    'registrationNumber',
    'statusListIndex',
    'revocationList',
    'suspensionList',
    'validFrom',
    'validUntil',
    'subjectHash',
  ],
  'certificate.suspended': ['certificateId', 'reason'],
  'certificate.reinstated': ['certificateId', 'reason'],
  'certificate.revoked': ['certificateId', 'reason'],
  'asset.transferred': ['registrationNumber', 'to.id', 'to.foreign', 'contractHash', 'keepLicences'],
  'licence.granted': ['licenceId', 'registrationNumber', 'licensee.id', 'licensee.foreign', 'purpose', 'scope', 'term', 'sublicensable', 'parentLicenceId'],
  'licence.revoked': ['licenceId', 'reason'],
  'asset.frozen': ['registrationNumber', 'reason'],
  'asset.unfrozen': ['registrationNumber', 'reason'],
  'asset.changed': [
    'registrationNumber',
    'changes.name',
    'changes.source',
    'changes.classification',
    'changes.rights',
    'changes.fingerprint',
    'changes.fingerprintOf',
    'changes.rowCount',
    'changes.updateFrequency',
    'changes.validity',
    'changes.subjectIdentified',
  ],
  'asset.cancelled': ['registrationNumber', 'reason'],
  'crossborder.approved': ['registrationNumber', 'party', 'purpose', 'until'],
  'consent.granted': ['consentId', 'registrationNumber', 'licensee', 'purpose', 'until'],
  'consent.revoked': ['consentId'],
  'aggregation.opened': ['jobId', 'jobHash', 'minContributors', 'maxContributors', 'publicKeyHash'],
  'aggregation.contributed': ['jobId', 'contributionHash', 'count'],
  'aggregation.released': ['jobId', 'resultHash', 'contributors'],
  'disclosure.erased': ['index', 'erased', 'reason'],
};

interface Row {
  type: string;
  public: string[];
  confidential: string[];
  may: string;
}

/** The rows of the README's "Disclosure policy" table. */
function readmeTable(): Row[] {
  const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = text.indexOf('\n## Disclosure policy\n');
  if (start < 0) throw new Error('README: no "Disclosure policy" section');
  const end = text.indexOf('\n## ', start + 1);
  const lines = text
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const [header, rule, ...body] = lines;
  expect(header).toBe('| record type | public members | confidential members (default) | a deployment may |');
  expect(rule).toBe('| --- | --- | --- | --- |');
  // Backticked names outside parentheses (a parenthesis describes a member, it names none).
  const names = (cell: string): string[] => [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  return body.map((line) => {
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
    expect(cells, line).toHaveLength(4);
    const [type, pub, conf, may] = cells as [string, string, string, string];
    return { type: names(type)[0] as string, public: names(pub), confidential: conf === 'none' ? [] : names(conf), may };
  });
}

/** Every member a payload schema allows, one level deep where a confidential member is nested. */
function schemaMembers(type: RecordType): string[] {
  const schema = PAYLOAD_SCHEMAS[type] as unknown as { properties: Record<string, { properties?: Record<string, unknown> }> };
  const nested = new Set(CONFIDENTIAL_MEMBERS[type].filter((p) => p.includes('.')).map((p) => p.split('.')[0]));
  return Object.entries(schema.properties).flatMap(([k, v]) => (nested.has(k) ? Object.keys(v.properties ?? {}).map((k2) => `${k}.${k2}`) : [k]));
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** The confidential members of DESIGN.md's "Disclosure policy" table (`every other type`: none). */
function designTable(): Map<string, string[]> {
  const text = readFileSync(new URL('../../../DESIGN.md', import.meta.url), 'utf8');
  const start = text.indexOf('\n### Disclosure policy\n');
  if (start < 0) throw new Error('DESIGN.md: no "Disclosure policy" section');
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| record type |'));
  const out = new Map<string, string[]>();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const [type, conf] = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim()) as [string, string];
    out.set(type.replace(/`/g, ''), conf === 'none' ? [] : [...conf.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
  }
  return out;
}

describe('README "Disclosure policy" table', () => {
  const rows = readmeTable();

  it('has one row per record type', () => {
    expect(sorted(rows.map((r) => r.type))).toEqual(sorted(RECORD_TYPES));
  });

  it('states the confidential members of the design, and so does CONFIDENTIAL_MEMBERS', () => {
    for (const r of rows) {
      const expected = EXPECTED_CONFIDENTIAL[r.type] ?? [];
      expect(sorted(r.confidential), r.type).toEqual(sorted(expected));
      expect(sorted(CONFIDENTIAL_MEMBERS[r.type as RecordType]), r.type).toEqual(sorted(r.confidential));
    }
  });

  it("agrees with DESIGN.md's table", () => {
    const design = designTable();
    const others = design.get('every other type');
    expect(others).toEqual([]);
    for (const r of rows) expect(sorted(r.confidential), r.type).toEqual(sorted(design.get(r.type) ?? (others as string[])));
  });

  it('states the public members, and the payload schemas have exactly the members the table lists', () => {
    for (const r of rows) {
      expect(sorted(r.public), r.type).toEqual(sorted(EXPECTED_PUBLIC[r.type as RecordType]));
      expect(
        r.public.filter((m) => r.confidential.includes(m)),
        r.type,
      ).toEqual([]);
      expect(sorted(schemaMembers(r.type as RecordType)), r.type).toEqual(sorted([...r.public, ...r.confidential]));
    }
  });

  it('says what a deployment may change, and the policy lets it change exactly that', () => {
    const defaults = policyJson().confidential;
    for (const r of rows) {
      expect(r.may, r.type).toBe(r.confidential.length > 0 ? 'publish any confidential member' : 'change nothing');
      // each confidential member may be published
      for (const m of r.confidential) {
        expect(disclosurePolicy({ public: [`${r.type}:${m}`] }).confidential[r.type as RecordType], `${r.type}:${m}`).not.toContain(m);
      }
      // a public member can neither be "published" nor concealed
      for (const m of r.public) {
        expect(() => disclosurePolicy({ public: [`${r.type}:${m}`] }), `${r.type}:${m}`).toThrowError(
          expect.objectContaining({ code: 'DISCLOSURE_POLICY_INVALID' }),
        );
        const concealed = { confidential: { ...defaults, [r.type]: [...(defaults[r.type] ?? []), m] } };
        expect(() => policyFromJson(concealed), `${r.type}:${m}`).toThrowError(expect.objectContaining({ code: 'DISCLOSURE_POLICY_INVALID' }));
      }
    }
  });
});
