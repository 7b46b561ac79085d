/**
 * Confidential members in the SD-JWT disclosure form (RFC 9901 §4.2), against the RFC's own
 * examples (test/vectors/sd-jwt, from the RFC text) and the laws DESIGN.md "Confidential
 * members" sets: concealing then revealing gives the payload back for every record type, salts
 * carry at least 128 bits and never repeat, a changed disclosure is foreign, a moved one is a
 * mismatch, a confidential member in clear or a digest where nothing is confidential is
 * refused, malformed disclosures are refused, and a deployment may publish confidential members
 * but conceal nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from '@dataledger/core';
import { readVectorJson } from '../../../test/support/vectors.ts';
import {
  CONFIDENTIAL_MEMBERS,
  DEFAULT_DISCLOSURE_POLICY,
  DIGEST_PATTERN,
  RECORD_TYPES,
  applyRecord,
  auditRecords,
  checkConcealed,
  concealPayload,
  disclosureDigest,
  disclosureMap,
  disclosurePolicy,
  makeDisclosure,
  openDisclosure,
  parseDisclosuresText,
  payloadDigests,
  policyFromJson,
  policyJson,
  revealPayload,
  revealSubject,
  type JsonObject,
  type PayloadByType,
  type RecordType,
} from '../src/index.ts';
import { MAX_DISCLOSURE_LENGTH } from '../src/disclosure.ts';
import { Ledger, SAMPLE_PAYLOADS, assetPayload, bank, dumpState, hex, holderA, licencePayload, registry, subject1, withRoles } from './fixtures.ts';

interface Rfc9901Vectors {
  source: string;
  objectProperty: {
    array: [string, string, string];
    disclosure: string;
    digest: string;
    variants: { unicodeEscape: string; noWhiteSpace: string; newlines: string };
    payload: JsonObject;
  };
  arrayElement: { array: [string, string]; disclosure: string; digest: string };
}
const RFC = readVectorJson<Rfc9901Vectors>('sd-jwt', 'rfc9901-disclosures.json');

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return undefined;
};

/** One full payload per record type, every confidential member of DESIGN.md's table present. */
// Every confidential member present (the policy's digests all have something to hide).
const FULL: { [T in RecordType]: PayloadByType[T] } = {
  ...SAMPLE_PAYLOADS,
  'asset.registered': assetPayload('DA-1', holderA, { subjectIdentified: true, subjects: [subject1.did], description: 'electricity use by district' }),
  'asset.reviewed': { registrationNumber: 'DA-1', outcome: 'approved', opinion: 'complies with the catalogue', reportHash: hex(1) },
  'licence.granted': licencePayload('L-1', 'DA-1', bank, { licensee: { id: bank.did, foreign: false, name: 'Bank' }, fee: { amount: '1.5', currency: 'CNY' } }),
  'asset.changed': { registrationNumber: 'DA-1', changes: { rowCount: 5, description: 'by county', subjects: [subject1.did] } },
  'consent.granted': {
    consentId: 'C-1',
    registrationNumber: 'DA-1',
    licensee: bank.did,
    purpose: 'p',
    person: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
  },
};

/** Reads a member path (`valuation`, `holder.name`) of a payload. */
function at(payload: object, path: string): unknown {
  const [first, second] = path.split('.') as [string, string | undefined];
  const v = (payload as Record<string, unknown>)[first];
  return second === undefined ? v : (v as Record<string, unknown> | undefined)?.[second];
}
/** A copy of `payload` with the member at `path` set to `value`. */
function withMember(payload: object, path: string, value: unknown): Record<string, unknown> {
  const [first, second] = path.split('.') as [string, string | undefined];
  const out = { ...(payload as Record<string, unknown>) };
  if (second === undefined) out[first] = value;
  else out[first] = { ...(out[first] as Record<string, unknown>), [second]: value };
  return out;
}

/** Any JSON value as it survives a JSON round trip (no -0), small. */
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

// ---------------------------------------------------------------------------------------------
describe('RFC 9901 §4.2 examples (test/vectors/sd-jwt)', () => {
  const { objectProperty: op, arrayElement: ae } = RFC;

  it('§4.2.3: the digest is the base64url SHA-256 of the disclosure string itself', () => {
    expect(disclosureDigest(op.disclosure)).toBe(op.digest);
    expect(disclosureDigest(ae.disclosure)).toBe(ae.digest);
    expect(op.digest).toMatch(DIGEST_PATTERN);
    expect(ae.digest).toMatch(DIGEST_PATTERN);
  });

  it('§4.2.1: the object-property disclosure opens to the RFC array [salt, name, value]', () => {
    const d = openDisclosure(op.disclosure);
    expect([d.salt, d.name, d.value]).toEqual(op.array);
    expect(d.digest).toBe(op.digest);
    expect(d.disclosure).toBe(op.disclosure);
  });

  it('§4.2.1: each re-encoding of the same array opens to the same member, and is a different digest', () => {
    const variants = Object.values(op.variants);
    for (const v of variants) {
      const d = openDisclosure(v);
      expect([d.salt, d.name, d.value]).toEqual(op.array);
    }
    const digests = [op.disclosure, ...variants].map(disclosureDigest);
    expect(new Set(digests).size).toBe(4);
  });

  it('a disclosure made here is the RFC array in its no-white-space encoding', () => {
    const [salt, name, value] = op.array;
    const made = makeDisclosure(name, value, salt);
    expect(made.disclosure).toBe(op.variants.noWhiteSpace);
    expect(made.digest).toBe(disclosureDigest(op.variants.noWhiteSpace));
  });

  it('§4.2.4.1: the payload embedding the digest lists it in its top-level _sd', () => {
    expect(payloadDigests(op.payload)).toEqual([{ at: '', digest: op.digest }]);
    // family_name is no confidential member of any record type here: where a top-level _sd is
    // allowed, its disclosure does not belong there
    const map = disclosureMap([op.disclosure]);
    expect(codeOf(() => revealPayload('asset.valued', op.payload, map))).toBe('DISCLOSURE_MISMATCH');
    // and where nothing is confidential, the _sd itself is refused
    expect(codeOf(() => revealPayload('asset.frozen', op.payload, map))).toBe('DISCLOSURE_UNEXPECTED');
  });

  it('§4.2.2: array-element disclosures ([salt, value]) are not used by this ledger', () => {
    expect(JSON.parse(utf8Decode(fromBase64Url(ae.disclosure)))).toEqual(ae.array);
    expect(codeOf(() => openDisclosure(ae.disclosure))).toBe('DISCLOSURE_MALFORMED');
  });
});

// ---------------------------------------------------------------------------------------------
describe('conceal then reveal', () => {
  it('gives back the payload for every record type, whatever the confidential values', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RECORD_TYPES), fc.array(jsonValue, { minLength: 4, maxLength: 4 }), (type, values) => {
        let full: Record<string, unknown> = { ...(FULL[type] as object) };
        CONFIDENTIAL_MEMBERS[type].forEach((path, i) => {
          full = withMember(full, path, values[i]);
        });
        const { payload, disclosures } = concealPayload(type, full);
        // one digest per confidential member, sorted and unique, the values absent
        expect(disclosures.length).toBe(CONFIDENTIAL_MEMBERS[type].length);
        const digests = payloadDigests(payload);
        expect(digests.map((d) => d.digest).sort()).toEqual(disclosures.map(disclosureDigest).sort());
        for (const { at: where } of digests) {
          const sd = ((where === '' ? payload : payload[where]) as { _sd: string[] })._sd;
          expect([...sd].sort()).toEqual(sd);
        }
        for (const path of CONFIDENTIAL_MEMBERS[type]) expect(at(payload, path)).toBeUndefined();
        expect(() => checkConcealed(type, payload)).not.toThrow();
        const revealed = revealPayload(type, payload, disclosureMap(disclosures), { strict: true });
        expect(revealed.payload).toEqual(full);
        expect(revealed.hidden).toEqual([]);
        expect(revealed.revealed.map((r) => r.path).sort()).toEqual([...CONFIDENTIAL_MEMBERS[type]].sort());
      }),
      { numRuns: 300, seed: 9901 },
    );
  });

  it('conceals only the members present, and reveals in any order with other records’ disclosures beside', () => {
    const type = 'asset.registered';
    const { description: _d, valuation: _v, ...partial } = FULL[type];
    const a = concealPayload(type, partial);
    expect(a.disclosures.map((d) => openDisclosure(d).name).sort()).toEqual(['name', 'subjects']);
    const other = concealPayload('licence.granted', FULL['licence.granted']);
    const map = disclosureMap([...other.disclosures, ...a.disclosures.reverse()]);
    expect(revealPayload(type, a.payload, map, { strict: true }).payload).toEqual(partial);
  });

  it('without a disclosure the member stays hidden, and strict is DISCLOSURE_MISSING', () => {
    const { payload, disclosures } = concealPayload('asset.registered', FULL['asset.registered']);
    const valuation = disclosures.find((d) => openDisclosure(d).name === 'valuation') as string;
    const rest = disclosureMap(disclosures.filter((d) => d !== valuation));
    const r = revealPayload('asset.registered', payload, rest);
    expect(r.hidden).toEqual([{ at: '', digest: disclosureDigest(valuation) }]);
    expect(r.payload.valuation).toBeUndefined();
    expect(r.payload.subjects).toEqual([subject1.did]);
    expect(codeOf(() => revealPayload('asset.registered', payload, rest, { strict: true }))).toBe('DISCLOSURE_MISSING');
  });

  it('salts carry at least 128 bits and never repeat', () => {
    const salts = new Set<string>();
    let n = 0;
    fc.assert(
      fc.property(fc.constantFrom(...RECORD_TYPES.filter((t) => CONFIDENTIAL_MEMBERS[t].length > 0)), (type) => {
        for (const d of concealPayload(type, FULL[type]).disclosures) {
          const { salt } = openDisclosure(d);
          expect(fromBase64Url(salt).length).toBeGreaterThanOrEqual(16);
          salts.add(salt);
          n++;
        }
      }),
      { numRuns: 2000, seed: 128 },
    );
    expect(n).toBeGreaterThan(2000);
    expect(salts.size).toBe(n);
    // and a salt shorter than 128 bits is refused when making a disclosure
    expect(() => makeDisclosure('fee', '1', toBase64Url(new Uint8Array(15)))).toThrow(RangeError);
  });
});

describe('applyRecord with a payload revealed beforehand (a server edge reveals once)', () => {
  it('takes options.revealed as the record’s payload: the rules run on it, with the same state as revealing there', () => {
    const l = withRoles(new Ledger());
    const type = 'asset.registered';
    const c = concealPayload(type, FULL[type]);
    const record = l.next(registry, type, c.payload);
    // Without disclosures the rules that need the concealed members refuse the record…
    expect(codeOf(() => applyRecord(l.state, record))).toBe('REGISTRY_DISCLOSURE_REQUIRED');
    // …and with the payload revealed beforehand they run, though no disclosure is passed.
    const revealed = revealPayload(type, c.payload, disclosureMap(c.disclosures), { strict: true });
    const viaRevealed = applyRecord(l.state, record, { revealed });
    const viaDisclosures = applyRecord(l.state, record, { disclosures: disclosureMap(c.disclosures) });
    expect(dumpState(viaRevealed)).toEqual(dumpState(viaDisclosures));
    expect(viaRevealed.assets.get('DA-1')?.holder.name).toBe(FULL[type].holder.name);
  });
});

// ---------------------------------------------------------------------------------------------
describe('tampered, moved, clear and unexpected', () => {
  /** A disclosure with one character of its salt changed (still well formed). */
  const changeOneByte = (disclosure: string, pos: number, to: number): string => {
    const text = utf8Decode(fromBase64Url(disclosure));
    const [salt] = JSON.parse(text) as [string];
    const i = 2 + (pos % salt.length); // after `["`
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const others = alphabet.replace(text[i] as string, '');
    return toBase64Url(utf8Encode(`${text.slice(0, i)}${others[to % others.length]}${text.slice(i + 1)}`));
  };

  it('a disclosure changed by one byte matches no digest: foreign to the audit and to a certificate, missing to the write path', () => {
    const l = withRoles(new Ledger());
    const { record, disclosures } = l.addConcealed(registry, 'asset.registered', assetPayload('TMP-1', holderA));
    fc.assert(
      fc.property(fc.constantFrom(...disclosures), fc.nat(), fc.nat(), (original, pos, to) => {
        const changed = changeOneByte(original, pos, to);
        expect(changed).not.toBe(original);
        const opened = openDisclosure(changed);
        expect(opened.digest).not.toBe(disclosureDigest(original));
        const given = disclosureMap([...disclosures.filter((d) => d !== original), changed]);
        // the write path: the record's digest has no disclosure
        expect(codeOf(() => revealPayload('asset.registered', record.payload as JsonObject, given, { strict: true }))).toBe('DISCLOSURE_MISSING');
        // the audit: a violation, and the rules on that member unchecked
        const report = auditRecords(l.records, { disclosures: given });
        expect(report.violations).toEqual([expect.objectContaining({ code: 'DISCLOSURE_FOREIGN', index: null })]);
        expect(report.disclosures).toEqual({ given: disclosures.length, used: disclosures.length - 1 });
        expect(report.complete).toBe(false);
        expect(report.unchecked[0]?.indexes).toEqual([record.index]);
      }),
      { numRuns: 50, seed: 1 },
    );
    // a certificate subject: the holder's disclosure changed by one byte is foreign
    const subject = { id: holderA.did, holder: { id: holderA.did, _sd: [disclosureDigest(disclosures[0] as string)] } };
    expect(codeOf(() => revealSubject(subject, disclosureMap([changeOneByte(disclosures[0] as string, 3, 5)])))).toBe('DISCLOSURE_FOREIGN');
  });

  it('a disclosure moved to another object, or to another record type, is DISCLOSURE_MISMATCH', () => {
    let moves = 0;
    fc.assert(
      fc.property(fc.constantFrom(...RECORD_TYPES.filter((t) => CONFIDENTIAL_MEMBERS[t].length > 0)), fc.constantFrom(...RECORD_TYPES), (from, to) => {
        const { disclosures } = concealPayload(from, FULL[from]);
        const map = disclosureMap(disclosures);
        for (const d of map.values()) {
          const path = CONFIDENTIAL_MEMBERS[from].find((p) => p === d.name || p.endsWith(`.${d.name}`)) as string;
          // every other place of every record type where a _sd is allowed
          const places = new Set(CONFIDENTIAL_MEMBERS[to].map((p) => (p.includes('.') ? (p.split('.')[0] as string) : '')));
          for (const place of places) {
            const allowedHere = CONFIDENTIAL_MEMBERS[to].includes(place === '' ? d.name : `${place}.${d.name}`);
            if (allowedHere) continue;
            const moved: Record<string, unknown> = { ...(FULL[to] as object) };
            if (place === '') moved._sd = [d.digest];
            else moved[place] = { ...(moved[place] as object), _sd: [d.digest] };
            expect(
              codeOf(() => revealPayload(to, moved as JsonObject, map)),
              `${from}:${path} → ${to}:${place}`,
            ).toBe('DISCLOSURE_MISMATCH');
            moves++;
          }
        }
      }),
      { numRuns: 200, seed: 4241 },
    );
    expect(moves).toBeGreaterThan(100);
    // the plain case: holder.name's disclosure listed at the top level
    const { payload, disclosures } = concealPayload('asset.registered', FULL['asset.registered']);
    const holder = payload.holder as { _sd: string[] };
    const moved = { ...payload, _sd: [...(payload._sd as string[]), ...holder._sd].sort(), holder: { id: holderA.did, foreign: false } };
    expect(codeOf(() => revealPayload('asset.registered', moved, disclosureMap(disclosures)))).toBe('DISCLOSURE_MISMATCH');
  });

  it('two digests for one member are DISCLOSURE_MISMATCH once both are disclosed (one digest hides one member)', () => {
    const a = makeDisclosure('valuation', { amount: '1', currency: 'CNY', method: 'cost' });
    const b = makeDisclosure('valuation', { amount: '2', currency: 'CNY', method: 'cost' });
    const logged = { registrationNumber: 'DA-1', _sd: [a.digest, b.digest].sort() };
    expect(() => checkConcealed('asset.valued', logged)).not.toThrow();
    expect(codeOf(() => revealPayload('asset.valued', logged, disclosureMap([a, b]), { strict: true }))).toBe('DISCLOSURE_MISMATCH');
  });

  it('a confidential member in clear is DISCLOSURE_NOT_CONCEALED, for every confidential member', () => {
    for (const type of RECORD_TYPES) {
      for (const path of CONFIDENTIAL_MEMBERS[type]) {
        const { payload } = concealPayload(type, FULL[type]);
        const clear = withMember(payload, path, at(FULL[type], path)) as JsonObject;
        let err: unknown;
        try {
          checkConcealed(type, clear);
        } catch (e) {
          err = e;
        }
        expect(err, `${type}:${path}`).toMatchObject({ code: 'DISCLOSURE_NOT_CONCEALED', details: { type, path } });
      }
      // the full payload in clear too, unless nothing is confidential
      expect(codeOf(() => checkConcealed(type, FULL[type] as unknown as JsonObject))).toBe(
        CONFIDENTIAL_MEMBERS[type].length > 0 ? 'DISCLOSURE_NOT_CONCEALED' : undefined,
      );
    }
    // a member both disclosed and in clear, revealed, is a mismatch
    const { payload, disclosures } = concealPayload('asset.valued', FULL['asset.valued']);
    const both = withMember(payload, 'valuation', FULL['asset.valued'].valuation) as JsonObject;
    expect(codeOf(() => revealPayload('asset.valued', both, disclosureMap(disclosures)))).toBe('DISCLOSURE_MISMATCH');
  });

  it('_sd where nothing is confidential is DISCLOSURE_UNEXPECTED', () => {
    const digest = disclosureDigest(makeDisclosure('reason', 'r').disclosure);
    for (const type of RECORD_TYPES.filter((t) => CONFIDENTIAL_MEMBERS[t].length === 0)) {
      const p = { ...(FULL[type] as object), _sd: [digest] } as JsonObject;
      expect(
        codeOf(() => checkConcealed(type, p)),
        type,
      ).toBe('DISCLOSURE_UNEXPECTED');
      expect(
        codeOf(() => revealPayload(type, p, new Map())),
        type,
      ).toBe('DISCLOSURE_UNEXPECTED');
    }
    // in an object that holds nothing confidential (the licence term, the asset's source)
    const licence = { ...concealPayload('licence.granted', FULL['licence.granted']).payload, term: { ...FULL['licence.granted'].term, _sd: [digest] } };
    expect(codeOf(() => checkConcealed('licence.granted', licence))).toBe('DISCLOSURE_UNEXPECTED');
    // and where the deployment's policy made the member public
    const policy = disclosurePolicy({ public: ['asset.reviewed:opinion'] });
    const reviewed = concealPayload('asset.reviewed', FULL['asset.reviewed']).payload;
    expect(codeOf(() => checkConcealed('asset.reviewed', reviewed, policy))).toBe('DISCLOSURE_UNEXPECTED');
    expect(codeOf(() => checkConcealed('asset.reviewed', FULL['asset.reviewed'] as unknown as JsonObject, policy))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
describe('malformed disclosures', () => {
  const enc = (text: string): string => toBase64Url(utf8Encode(text));
  const salt = toBase64Url(new Uint8Array(16).fill(7));
  const cases: [string, unknown][] = [
    ['empty', ''],
    ['not a string', 42],
    ['not base64url', 'WyJh+/"'],
    ['padded base64', `${enc(`["${salt}","fee","1"]`)}==`],
    ['not JSON', enc('[salt, fee, 1]')],
    ['not an array', enc(`{"salt":"${salt}","name":"fee","value":"1"}`)],
    ['two elements (an array element)', enc(`["${salt}","1"]`)],
    ['four elements', enc(`["${salt}","fee","1","x"]`)],
    ['a salt of 15 bytes', enc(`["${toBase64Url(new Uint8Array(15))}","fee","1"]`)],
    ['a salt that is not base64url', enc(`["${'+'.repeat(22)}","fee","1"]`)],
    ['a number as salt', enc('[1234567890123456789012,"fee","1"]')],
    ['_sd as name', enc(`["${salt}","_sd",["x"]]`)],
    ['... as name', enc(`["${salt}","...","1"]`)],
    ['_sd_alg as name', enc(`["${salt}","_sd_alg","sha-256"]`)],
    ['an empty name', enc(`["${salt}","","1"]`)],
    ['a duplicate member in the value', enc(`["${salt}","person",{"name":"a","name":"b"}]`)],
    ['oversized', enc(`["${salt}","description","${'x'.repeat(MAX_DISCLOSURE_LENGTH)}"]`)],
  ];

  it.each(cases)('%s is DISCLOSURE_MALFORMED', (_name, d) => {
    expect(codeOf(() => openDisclosure(d as string))).toBe('DISCLOSURE_MALFORMED');
    if (typeof d === 'string' && d !== '') expect(codeOf(() => disclosureMap([d]))).toBe('DISCLOSURE_MALFORMED');
  });

  it('the longest accepted disclosure is MAX_DISCLOSURE_LENGTH characters', () => {
    const head = `["${salt}","description","`;
    const fill = (n: number): string => enc(`${head}${'x'.repeat(n)}"]`);
    let n = Math.floor((MAX_DISCLOSURE_LENGTH * 3) / 4) - head.length - 2;
    while (fill(n + 1).length <= MAX_DISCLOSURE_LENGTH) n++;
    while (fill(n).length > MAX_DISCLOSURE_LENGTH) n--;
    expect(openDisclosure(fill(n)).value).toBe('x'.repeat(n));
    expect(codeOf(() => openDisclosure(fill(n + 3)))).toBe('DISCLOSURE_MALFORMED');
  });

  it('the disclosures file: one per line, # comments and blank lines ignored, a bad line named', () => {
    const [a, b] = concealPayload('asset.valued', FULL['asset.valued']).disclosures.concat(makeDisclosure('fee', '1').disclosure);
    expect(parseDisclosuresText(`# vault export\n\n${a}\r\n  ${b}  \n`)).toEqual([a, b]);
    let err: unknown;
    try {
      parseDisclosuresText(`${a}\n# ok\nnot-a-disclosure\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'DISCLOSURE_MALFORMED', details: { line: 3 } });
  });

  it('a malformed _sd is DISCLOSURE_MALFORMED', () => {
    const d = disclosureDigest(makeDisclosure('fee', '1').disclosure);
    for (const sd of [[], ['short'], [d, d], 'x', [1], Array.from({ length: 9 }, (_, i) => disclosureDigest(makeDisclosure('fee', String(i)).disclosure))]) {
      expect(
        codeOf(() => payloadDigests({ _sd: sd })),
        JSON.stringify(sd),
      ).toBe('DISCLOSURE_MALFORMED');
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('the disclosure policy', () => {
  const ALL = RECORD_TYPES.flatMap((t) => CONFIDENTIAL_MEMBERS[t].map((p) => `${t}:${p}`));

  it('makes any set of confidential members public, and policyFromJson(policyJson(p)) gives it back', () => {
    fc.assert(
      fc.property(fc.subarray(ALL), (published) => {
        const p = disclosurePolicy({ public: published });
        for (const t of RECORD_TYPES) {
          expect([...p.confidential[t]].sort()).toEqual(CONFIDENTIAL_MEMBERS[t].filter((m) => !published.includes(`${t}:${m}`)).sort());
        }
        const json = policyJson(p);
        expect(JSON.parse(JSON.stringify(json))).toEqual(json);
        expect(policyFromJson(json)).toEqual(p);
        // concealing under it leaves the published members in clear, and the server accepts that
        for (const t of RECORD_TYPES) {
          const { payload } = concealPayload(t, FULL[t], p);
          for (const m of CONFIDENTIAL_MEMBERS[t]) expect(at(payload, m) !== undefined, `${t}:${m}`).toBe(published.includes(`${t}:${m}`));
          expect(() => checkConcealed(t, payload, p)).not.toThrow();
        }
      }),
      { numRuns: 100, seed: 77 },
    );
    expect(policyJson(DEFAULT_DISCLOSURE_POLICY)).toEqual(policyJson(disclosurePolicy()));
  });

  it('refuses to make anything else confidential or public (DISCLOSURE_POLICY_INVALID)', () => {
    for (const entry of [
      'asset.registered:name',
      'asset.registered:holder.id',
      'asset.registered:holder',
      'asset.registered',
      'asset.sold:price',
      ':valuation',
      'licence.granted:licensee.id',
      'consent.granted:person.name',
      'role.granted:subject',
    ]) {
      expect(
        codeOf(() => disclosurePolicy({ public: [entry] })),
        entry,
      ).toBe('DISCLOSURE_POLICY_INVALID');
    }
    const json = policyJson();
    for (const bad of [
      { confidential: { ...json.confidential, 'asset.registered': [...(json.confidential['asset.registered'] as string[]), 'name'] } },
      { confidential: { ...json.confidential, 'role.granted': ['subject'] } },
      { confidential: { ...json.confidential, 'asset.valued': 'valuation' } },
      { confidential: null },
      null,
      [],
    ]) {
      expect(
        codeOf(() => policyFromJson(bad)),
        JSON.stringify(bad),
      ).toBe('DISCLOSURE_POLICY_INVALID');
    }
  });
});
