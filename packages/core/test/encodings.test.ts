import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  equalBytes,
  fromBase58btc,
  fromBase64,
  fromBase64Url,
  fromHex,
  fromMultibase,
  toBase58btc,
  toBase64,
  toBase64Url,
  toHex,
  toMultibase,
  utf8Decode,
  utf8Encode,
} from '../src/index.ts';

const codecs: [string, (b: Uint8Array) => string, (s: string) => Uint8Array][] = [
  ['hex', toHex, fromHex],
  ['base64', toBase64, fromBase64],
  ['base64url', toBase64Url, fromBase64Url],
  ['base58btc', toBase58btc, fromBase58btc],
  ['multibase z', toMultibase, fromMultibase],
];

describe('round trips', () => {
  for (const [name, enc, dec] of codecs) {
    it(`${name}: decode(encode(b)) = b`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
          expect(dec(enc(b))).toEqual(b);
        }),
      );
    });
  }
  it('utf8 round-trips well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(utf8Decode(utf8Encode(s))).toBe(s);
      }),
    );
  });
});

describe('known values', () => {
  it('base58btc (draft-msporny-base58 §5 examples)', () => {
    expect(toBase58btc(utf8Encode('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
    expect(toBase58btc(utf8Encode('The quick brown fox jumps over the lazy dog.'))).toBe('USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z');
    expect(toBase58btc(fromHex('0000287fb4cd'))).toBe('11233QC4');
    expect(fromBase58btc('11233QC4')).toEqual(fromHex('0000287fb4cd'));
  });
  it('base64 / base64url (RFC 4648 §10)', () => {
    expect(toBase64(utf8Encode('foob'))).toBe('Zm9vYg==');
    expect(toBase64Url(fromHex('fbff'))).toBe('-_8');
  });
  it('multibase u is base64url', () => {
    expect(fromMultibase('u-_8')).toEqual(fromHex('fbff'));
  });
});

describe('strict decoding refuses non-canonical input with CORE_ENCODING_INVALID', () => {
  const bad: [string, () => unknown][] = [
    ['odd hex', () => fromHex('abc')],
    ['non-hex', () => fromHex('zz')],
    ['base64 without padding', () => fromBase64('Zm9vYg')],
    ['base64 with a space', () => fromBase64('Zm9v Yg==')],
    ['base64 with non-zero trailing bits', () => fromBase64('Zm9vYh==')],
    ['base64 with url alphabet', () => fromBase64('-_8=')],
    ['base64url with padding', () => fromBase64Url('Zm9vYg==')],
    ['base64url with std alphabet', () => fromBase64Url('+/8')],
    ['base64url impossible length', () => fromBase64Url('abcde')],
    ['base64url non-zero trailing bits', () => fromBase64Url('-_9')],
    ['base58 with 0', () => fromBase58btc('0abc')],
    ['base58 with l', () => fromBase58btc('labc')],
    ['multibase unknown prefix', () => fromMultibase('fabcd')],
    ['multibase empty', () => fromMultibase('')],
    ['malformed utf8', () => utf8Decode(new Uint8Array([0xc3, 0x28]))],
  ];
  for (const [label, f] of bad) {
    it(label, () => {
      expect(f).toThrowError(expect.objectContaining({ code: 'CORE_ENCODING_INVALID' }));
    });
  }
});

describe('bytes helpers', () => {
  it('concat and equal', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
        const c = concatBytes(a, b);
        expect(c.length).toBe(a.length + b.length);
        expect(equalBytes(c.subarray(0, a.length), a)).toBe(true);
        expect(equalBytes(c.subarray(a.length), b)).toBe(true);
      }),
    );
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});
