import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertHash, isHash, sha256, sm3, toHex, utf8Encode } from '../src/index.ts';

describe('SHA-256', () => {
  it('empty string (RFC 9162 empty tree root, test/vectors/README.md)', () => {
    expect(toHex(sha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('"abc" (FIPS 180-2 appendix B.1)', () => {
    expect(toHex(sha256(utf8Encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('hashes the concatenation of its parts', () => {
    expect(sha256(utf8Encode('a'), utf8Encode('bc'))).toEqual(sha256(utf8Encode('abc')));
  });
  it('one part (hashed in one call) and the same bytes in any parts (hashed incrementally) agree', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, i, j) => {
        const [a, b] = [i % (bytes.length + 1), j % (bytes.length + 1)].sort((x, y) => x - y) as [number, number];
        const whole = sha256(bytes);
        expect(whole.length).toBe(32);
        expect(sha256(bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b))).toEqual(whole);
        expect(sha256(bytes.subarray(0, a), bytes.subarray(a))).toEqual(whole);
      }),
      { numRuns: 300, seed: 256 },
    );
  });
});

describe('SM3 (GB/T 32905-2016 examples, test/vectors/README.md)', () => {
  it('"abc"', () => {
    expect(toHex(sm3(utf8Encode('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });
  it('"abcd" × 16', () => {
    expect(toHex(sm3(utf8Encode('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });
});

describe('hash length guard', () => {
  it('accepts 32 bytes only', () => {
    expect(isHash(new Uint8Array(32))).toBe(true);
    expect(isHash(new Uint8Array(31))).toBe(false);
    expect(isHash('00'.repeat(32))).toBe(false);
    expect(() => assertHash(new Uint8Array(33), 'root')).toThrowError(expect.objectContaining({ code: 'CORE_HASH_LENGTH' }));
    expect(() => assertHash(new Uint8Array(32), 'root')).not.toThrow();
  });
});
