/**
 * The replay fast path (records.ts `checkRecord(…, line)` and `hashAndVerifyChecked`): texts
 * taken straight from an already canonical bundle line, and one UTF-8 encoding serving the
 * leaf hash and the signature, must equal the RFC 8785 reference (`canonicalize`) for every
 * record, canonical line or not.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, didKeyFromPublicKey, parseJson, sha256, type JsonValue } from '@dataledger/core';
import { checkRecord, hashAndVerifyChecked, recordLeafHash, signRecord, type LedgerRecord, type RecordPayload } from '../src/records.ts';
import { key } from './support/fixtures.ts';

const signers = [key(1), key(2)];
const actors = signers.map((k) => didKeyFromPublicKey(k.publicKey));

// Strings that stress JSON escaping and UTF-8: controls, quotes, backslashes, non-BMP, lone
// surrogates (no canonical form), and member names that JS orders specially ("10", "__proto__").
const tricky = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '企', '😀', '\u0000', '\u001f', '"', '\\', '/', '\u2028', '\ud800', '\udc00', '\u007f'), maxLength: 6 }),
  fc.constantFrom('10', '2', '0', '__proto__', '', 'toJSON', 'constructor', 'a', 'B'),
);
// Member names exclude one-character names that JSON escapes (`"`, backslash, controls): on
// Node 24.21 (V8 13.6), once a two-byte JSON text with one such escaped name has been parsed,
// JSON.parse reads a later, different one as the first (the name written \u001f comes back as a
// backslash). A platform bug that no JSON.parse-based reader escapes; the canonicalize path reads
// the same wrong value, and the record then fails its signature check. (The lines themselves are
// read here with core's safe reader, as the bundle reader does: the bug reaches further than
// one-character names, and the reference must not depend on it.)
const memberName = tricky.filter((k) => !(k.length === 1 && JSON.stringify(k).length > 3));
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 1e21, 1e-7, 0.1, 2 ** 53)),
    tricky,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(memberName, tie('v'), { maxKeys: 5 }),
  ),
})).v;
const payloadArb: fc.Arbitrary<RecordPayload> = fc.dictionary(memberName, json, { maxKeys: 6 });
const recordArb = fc.record({
  payload: payloadArb,
  index: fc.oneof(fc.nat(), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER)),
  type: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}$/),
  ms: fc.integer({ min: 0, max: 4102444800000 }),
  signer: fc.nat({ max: signers.length - 1 }),
  prevSeed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

interface Drawn {
  payload: RecordPayload;
  index: number;
  type: string;
  ms: number;
  signer: number;
  prevSeed: Uint8Array;
}

function makeRecord(r: Drawn): LedgerRecord | null {
  const prev = r.index === 0 ? '' : Buffer.from(r.prevSeed).toString('base64');
  try {
    canonicalize(r.payload);
  } catch {
    return null; // no canonical form (a lone surrogate): cannot be signed
  }
  const time = new Date(r.ms).toISOString();
  return signRecord({ v: 1, index: r.index, type: r.type, time, actor: actors[r.signer]!, prev, payload: r.payload }, signers[r.signer]!.secretKey);
}

/** The reference: texts and leaf hash from `canonicalize`. */
function reference(record: LedgerRecord): { leaf: string; signing: string; payload: string } {
  const { sig, ...unsigned } = record;
  void sig;
  return { leaf: canonicalize(record), signing: canonicalize(unsigned), payload: canonicalize(record.payload) };
}

function texts(line: string): { leaf: string; signing: string; payload: string; sigAt: number } {
  const t = checkRecord(parseJson(line), Number.MAX_SAFE_INTEGER, false, line).texts;
  return { leaf: t.leaf, signing: t.signing, payload: t.payload, sigAt: t.sigAt };
}

describe('replay fast path', () => {
  it('texts from a canonical line equal canonicalize of the record; leaf hash and signature agree', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const record = makeRecord(r);
        if (record === null) return;
        const ref = reference(record);
        const line = canonicalize(record);
        const t = texts(line);
        expect({ leaf: t.leaf, signing: t.signing, payload: t.payload }).toEqual(ref);
        expect(t.leaf.slice(0, t.sigAt) + t.leaf.slice(t.sigAt + 95)).toBe(ref.signing);
        const checked = checkRecord(parseJson(line), Number.MAX_SAFE_INTEGER, false, line);
        const { leaf, ok } = hashAndVerifyChecked(checked, true);
        expect(ok).toBe(true);
        expect(Buffer.from(leaf)).toEqual(Buffer.from(sha256(new Uint8Array([0]), Buffer.from(ref.leaf, 'utf8'))));
        expect(Buffer.from(leaf)).toEqual(Buffer.from(recordLeafHash(record)));
      }),
      { numRuns: 300 },
    );
  });

  it('any other spelling of the record (member order, whitespace, escapes) gives the same canonical texts', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.constantFrom(0, 1, 2), (r, seed, indent) => {
        const record = makeRecord(r);
        if (record === null) return;
        const ref = reference(record);
        // Shuffle members at every level (JSON.parse moves integer-like keys first anyway).
        let s = seed;
        const shuffle = (v: unknown): unknown => {
          if (v === null || typeof v !== 'object') return v;
          if (Array.isArray(v)) return v.map(shuffle);
          const entries = Object.entries(v as Record<string, unknown>);
          for (let i = entries.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            const j = s % (i + 1);
            [entries[i], entries[j]] = [entries[j]!, entries[i]!];
          }
          const o: Record<string, unknown> = {};
          for (const [k, x] of entries) Object.defineProperty(o, k, { value: shuffle(x), enumerable: true, writable: true, configurable: true });
          return o;
        };
        let line = JSON.stringify(shuffle(record), null, indent);
        if (indent === 2) line = line.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        const t = texts(line);
        expect({ leaf: t.leaf, signing: t.signing, payload: t.payload }).toEqual(ref);
        const { leaf, ok } = hashAndVerifyChecked(checkRecord(parseJson(line), Number.MAX_SAFE_INTEGER, false, line), true);
        expect(ok).toBe(true);
        expect(Buffer.from(leaf)).toEqual(Buffer.from(recordLeafHash(record)));
      }),
      { numRuns: 200 },
    );
  });

  it('a changed signature or signed field fails the one-encoding signature check', () => {
    fc.assert(
      fc.property(recordArb, fc.nat({ max: 85 }), (r, pos) => {
        const record = makeRecord(r);
        if (record === null) return;
        const sig = record.sig;
        // Flip one base64url symbol in a position that keeps the signature canonical.
        const c = sig[pos]!;
        const other = c === 'A' ? 'B' : 'A';
        const bad = { ...record, sig: sig.slice(0, pos) + (pos === 85 ? (c === 'A' ? 'Q' : 'A') : other) + sig.slice(pos + 1) };
        const line = canonicalize(bad);
        expect(hashAndVerifyChecked(checkRecord(parseJson(line), Number.MAX_SAFE_INTEGER, false, line), true).ok).toBe(false);
        const moved = canonicalize({ ...record, time: new Date(Date.parse(record.time) + 1).toISOString() });
        expect(hashAndVerifyChecked(checkRecord(parseJson(moved), Number.MAX_SAFE_INTEGER, false, moved), true).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('payloads without a canonical form are refused on the line path too', () => {
    const record = makeRecord({ payload: { a: 1 }, index: 1, type: 't', ms: 0, signer: 0, prevSeed: new Uint8Array(32) })!;
    for (const payload of ['{"a":"\\ud800"}', '{"\\udc00":1}', '{"a":1e400}']) {
      const line = canonicalize(record).replace('"payload":{"a":1}', `"payload":${payload}`);
      // (Native JSON.parse here: the safe reader refuses these texts before checkRecord sees them.)
      expect(() => checkRecord(JSON.parse(line), Number.MAX_SAFE_INTEGER, false, line)).toThrow(
        expect.objectContaining({ code: 'LEDGER_RECORD_MALFORMED' }) as Error,
      );
    }
  });
});
