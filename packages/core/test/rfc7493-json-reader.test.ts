/**
 * The safe JSON reader against its contract: RFC 8259 grammar, I-JSON (RFC 7493 §2.1 no lone
 * surrogates, §2.2 numbers within a double, §2.3 unique member names), size and depth bounds,
 * and immunity to the V8 member-name bug (nodejs/node#63785: after a member name `\` has been
 * parsed, a later one-character escaped member name reads back as `\`).
 *
 * The reference is independent of any reader: values are drawn first, then written out in a
 * random legal spelling (whitespace, every character escaped or not, `\/`, `\u` in either
 * case); reading the text back must give the drawn value.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as independentParse, type ParseError } from 'jsonc-parser';
import { isDataLedgerError, parseJson, type JsonValue } from '../src/index.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isDataLedgerError(err)) return err.code;
    throw err;
  }
  return 'OK';
}

const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };

/** A random legal JSON spelling of `v` (RFC 8259 §2 whitespace, §7 escapes), driven by `next`. */
function spell(v: JsonValue, next: () => number): string {
  const ws = (): string => [' ', '', '', '\n', '\t', '\r\n  '][next() % 6]!;
  const str = (s: string): string => {
    let out = '"';
    // Per code point: a pair is written raw or as two escapes, never half and half (a raw
    // lone surrogate is not Unicode text, RFC 8259 §8.1).
    for (const ch of s) {
      const c = ch.charCodeAt(0);
      const mustEscape = c < 0x20 || ch === '"' || ch === '\\';
      const pick = next() % 3;
      if (!mustEscape && pick === 0) out += ch;
      else if (SHORT[ch] !== undefined && pick !== 2) out += SHORT[ch];
      else {
        for (let k = 0; k < ch.length; k++) {
          const hex = ch.charCodeAt(k).toString(16).padStart(4, '0');
          out += `\\u${next() % 2 === 0 ? hex : hex.toUpperCase()}`;
        }
      }
    }
    return `${out}"`;
  };
  if (Object.is(v, -0)) return `${ws()}-0${ws()}`; // JSON.stringify writes 0
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return ws() + JSON.stringify(v) + ws();
  if (typeof v === 'string') return ws() + str(v) + ws();
  if (Array.isArray(v)) return `${ws()}[${v.length === 0 ? ws() : v.map((x) => spell(x, next)).join(',')}]${ws()}`;
  const keys = Object.keys(v);
  return `${ws()}{${keys.length === 0 ? ws() : keys.map((k) => `${ws()}${str(k)}${ws()}:${spell(v[k]!, next)}`).join(',')}}${ws()}`;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
}

/** Member names that stress the bug and JavaScript objects: one-character escapable names above all. */
const name = fc.oneof(
  fc.constantFrom('\\', '"', '\n', '/', 'A', '\u001f', '\t', '__proto__', 'constructor', '10', '', 'h', 'payload'),
  fc.string({ unit: fc.constantFrom('a', '\\', '"', '\n', 'é', '企', '😀', '/', '\u0000'), maxLength: 4 }),
  fc.string({ maxLength: 6 }),
);
const text = fc.string({ unit: fc.constantFrom('a', '\\', '"', '\n', 'é', '😀', '/', '\u0000', '\u2028'), maxLength: 6 });
const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 1e21, 1e-7, 0.1, 2 ** 53, 1.7976931348623157e308)),
    text,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(name, tie('v'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).v;

/** Texts that poison V8's member-name cache (a member named `\`, as the issue's trigger). */
const POISON_VALUES: [string, JsonValue][] = [
  ['{"h":[],"\\\\":0}', { h: [], '\\': 0 }],
  ['{"\\\\":1}', { '\\': 1 }],
  ['[{"a":1,"\\\\":{"\\\\":2}}]', [{ a: 1, '\\': { '\\': 2 } }]],
  // The bug follows object shapes: a record's members with `\` in place of `v`.
  ['{"actor":"a","index":0,"type":"","\\\\":0}', { actor: 'a', index: 0, type: '', '\\': 0 }],
];
const POISONS = POISON_VALUES.map(([t]) => t);
/** One-character escaped member names, each after another member (the issue's canaries). */
const CANARIES: [string, string][] = [
  ['{"h":1,"\\"":2}', '"'],
  ['{"h":1,"\\n":2}', '\n'],
  ['{"h":1,"\\/":2}', '/'],
  ['{"h":1,"\\u0041":2}', 'A'],
  ['{"h":1,"\\t":2}', '\t'],
  ['{"h":1,"\\u001f":2}', '\u001f'],
  ['{"h":1,"\\\\":2}', '\\'],
];
/** A record-shaped canary: `v` written as an escape after the poison's other members. */
const RECORD_CANARY = '{"actor":"b","index":1,"type":"t","\\u0076":1}';

describe('parseJson: values read back (RFC 8259, against a random spelling)', () => {
  it('any spelling of any value reads back as that value', () => {
    fc.assert(
      fc.property(value, fc.nat(), (v, seed) => {
        const t = spell(v, lcg(seed));
        expect(parseJson(t)).toEqual(v);
        expect(parseJson(new TextEncoder().encode(t))).toEqual(v);
      }),
      { numRuns: 1500 },
    );
  });

  it('poisoned sequences: after a member name `\\`, every one-character escaped name still reads right', () => {
    for (const poison of POISONS) {
      for (const [canary, key] of CANARIES) {
        // The poison may reach V8 through any JSON.parse in the process, or through this reader.
        JSON.parse(poison);
        expect(Object.keys(parseJson(canary) as object)).toEqual(['h', key]);
        parseJson(poison);
        expect(Object.keys(parseJson(canary) as object)).toEqual(['h', key]);
      }
      JSON.parse(poison);
      expect(parseJson(RECORD_CANARY)).toEqual({ actor: 'b', index: 1, type: 't', v: 1 });
    }
  });

  it('random interleavings of poisons, canaries and arbitrary values all read back', () => {
    const item = fc.oneof(
      fc.constantFrom(...POISON_VALUES).map(([t, v]) => ({ t, v, native: true })),
      fc.constantFrom(...CANARIES).map(([t, k]) => ({
        t,
        v: Object.fromEntries([
          ['h', 1],
          [k, 2],
        ]) as JsonValue,
        native: false,
      })),
      fc.tuple(value, fc.nat()).map(([v, seed]) => ({ t: spell(v, lcg(seed)), v, native: false })),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 12 }), (items) => {
        for (const { t, v, native } of items) {
          if (native) JSON.parse(t); // poison through the platform parser too
          expect(parseJson(t)).toEqual(v);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with an independent reader (jsonc-parser: its own scanner, no JSON.parse) on every text, poisoned or not', () => {
    // jsonc-parser assigns members with `obj[key] = v`, so a member named __proto__ would set
    // its prototype: such values are left to the test below.
    const hasProtoKey = (v: JsonValue): boolean =>
      v !== null &&
      typeof v === 'object' &&
      (Array.isArray(v) ? v.some(hasProtoKey) : Object.keys(v).some((k) => k === '__proto__' || hasProtoKey((v as Record<string, JsonValue>)[k] as JsonValue)));
    const reference = (t: string): unknown => {
      const errors: ParseError[] = [];
      const out = independentParse(t, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
      expect(errors).toEqual([]);
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(value, fc.nat(), fc.boolean()), { minLength: 1, maxLength: 6 }), (items) => {
        for (const [v, seed, poisonFirst] of items) {
          fc.pre(!hasProtoKey(v));
          if (poisonFirst) JSON.parse(POISONS[seed % POISONS.length] as string);
          const t = spell(v, lcg(seed));
          expect(parseJson(t)).toEqual(reference(t));
        }
      }),
      { numRuns: 500 },
    );
    for (const [canary] of CANARIES) {
      JSON.parse(POISONS[0] as string);
      expect(parseJson(canary)).toEqual(reference(canary));
    }
  });

  it('objects carry every member as an own data property, __proto__ included', () => {
    const o = parseJson('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'a']);
    expect(Object.hasOwn(o, '__proto__')).toBe(true);
    const s = parseJson('{"\\u005f_proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.hasOwn(s, '__proto__')).toBe(true);
  });
});

describe('parseJson: what it refuses, with a code', () => {
  it('duplicate member names (RFC 7493 §2.3), on the native and the strict path, at any depth', () => {
    for (const t of [
      '{"a":1,"a":2}',
      '{"a":1,"b":{"c":1,"c":1},"d":0}',
      '[0,{"x":[{"y":1,"y":1}]}]',
      '{"\\u0061":1,"a":2}',
      '{"\\n":1,"\\u000a":2}',
      '{"a\\"":1,"a\\u0022":2}',
      '{"__proto__":1,"__proto__":2}',
    ]) {
      expect(
        codeOf(() => parseJson(t)),
        t,
      ).toBe('CORE_JSON_INVALID');
    }
  });

  it('any text whose object repeats a member name is refused, however it is spelt', () => {
    fc.assert(
      fc.property(value, name, fc.nat(), (v, k, seed) => {
        const next = lcg(seed);
        const dup = `{${spell(k, next)}:${spell(v, next)},"x":0,${spell(k, next)}:${spell(v, next)}}`;
        expect(codeOf(() => parseJson(dup))).toBe('CORE_JSON_INVALID');
        expect(codeOf(() => parseJson(`[1,{"w":${dup}}]`))).toBe('CORE_JSON_INVALID');
      }),
      { numRuns: 300 },
    );
  });

  it('lone surrogates, escaped or raw (RFC 7493 §2.1); a pair is fine', () => {
    expect(parseJson('"\\ud83d\\ude00"')).toBe('😀');
    expect(parseJson('{"\\uD83D\\uDE00":1}')).toEqual({ '😀': 1 });
    for (const t of ['"\\ud800"', '"\\udc00\\ud800"', '{"\\uDFFF":1}', '["a\\ud83dx"]', '"\ud800"', '{"\udc00":1}']) {
      expect(
        codeOf(() => parseJson(t)),
        t,
      ).toBe('CORE_JSON_INVALID');
    }
  });

  it('numbers beyond a double (RFC 7493 §2.2)', () => {
    for (const t of ['1e400', '[-1e309]', '{"a":{"b":1E999}}'])
      expect(
        codeOf(() => parseJson(t)),
        t,
      ).toBe('CORE_JSON_INVALID');
    expect(parseJson('1.7976931348623157e308')).toBe(1.7976931348623157e308);
  });

  it('anything that is not one JSON text (RFC 8259 §2), including a byte order mark', () => {
    for (const t of [
      '',
      ' ',
      '{',
      '{"a":1,}',
      '[1,]',
      '{"a" 1}',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '+1',
      'NaN',
      'tru',
      'nul',
      '"\u0001"',
      '"\\x41"',
      '"\\u12"',
      '{} {}',
      '\ufeff{}',
      '{"a":1}x',
      '"abc',
      '[1 2]',
    ]) {
      expect(
        codeOf(() => parseJson(t)),
        JSON.stringify(t),
      ).toBe('CORE_JSON_INVALID');
    }
    expect(codeOf(() => parseJson(new Uint8Array([0x22, 0xc3, 0x28, 0x22])))).toBe('CORE_JSON_INVALID');
  });

  it('never throws anything but a coded error, and agrees with JSON.parse on what is JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', '1', 'a', ' ', 'n', 'u', 'e') })), (t) => {
        let native: { ok: true } | { ok: false } = { ok: true };
        try {
          JSON.parse(t);
        } catch {
          native = { ok: false };
        }
        const code = codeOf(() => parseJson(t));
        if (!native.ok) expect(code).toBe('CORE_JSON_INVALID');
        else expect(['OK', 'CORE_JSON_INVALID']).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });

  it('input larger than maxBytes (in UTF-8 bytes) is CORE_INPUT_TOO_LARGE', () => {
    expect(codeOf(() => parseJson('"aaaa"', { maxBytes: 5 }))).toBe('CORE_INPUT_TOO_LARGE');
    expect(codeOf(() => parseJson('"aaa"', { maxBytes: 5 }))).toBe('OK');
    // 3 characters, 7 UTF-8 bytes.
    expect(codeOf(() => parseJson('"企"', { maxBytes: 4 }))).toBe('CORE_INPUT_TOO_LARGE');
    expect(codeOf(() => parseJson('"企"', { maxBytes: 5 }))).toBe('OK');
    expect(codeOf(() => parseJson(new Uint8Array(6).fill(0x20), { maxBytes: 5 }))).toBe('CORE_INPUT_TOO_LARGE');
  });

  it('nesting deeper than maxDepth is refused before anything is built', () => {
    expect(codeOf(() => parseJson(`${'['.repeat(5000)}${']'.repeat(5000)}`))).toBe('CORE_JSON_INVALID');
    expect(codeOf(() => parseJson('[[[1]]]', { maxDepth: 3 }))).toBe('OK');
    expect(codeOf(() => parseJson('[[[1]]]', { maxDepth: 2 }))).toBe('CORE_JSON_INVALID');
    expect(codeOf(() => parseJson('[{"\\n":[1]}]', { maxDepth: 2 }))).toBe('CORE_JSON_INVALID');
  });

  it('forbidPrototypeKeys refuses __proto__ and constructor.prototype, however spelt', () => {
    for (const t of ['{"__proto__":{"p":1}}', '{"a":[{"\\u005f_proto__":1}]}', '{"constructor":{"prototype":{"p":1}}}']) {
      expect(
        codeOf(() => parseJson(t, { forbidPrototypeKeys: true })),
        t,
      ).toBe('CORE_JSON_INVALID');
      expect(
        codeOf(() => parseJson(t)),
        t,
      ).toBe('OK');
    }
    expect(parseJson('{"constructor":{"name":"x"}}', { forbidPrototypeKeys: true })).toEqual({ constructor: { name: 'x' } });
  });
});
