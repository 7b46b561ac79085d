// Ed25519 against RFC 8032 §7.1 test vectors, and the node:crypto and @noble/curves
// backends against each other.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, fromHex, generateKeyPair, keyPairFromSeed, nobleEd25519, nodeEd25519, sign, toHex, verify } from '../src/index.ts';

const RFC8032: { name: string; secret: string; public: string; message: string; signature: string }[] = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('RFC 8032 §7.1 vectors, both backends', () => {
  for (const backend of [nodeEd25519, nobleEd25519]) {
    for (const v of RFC8032) {
      it(`${backend.name}: ${v.name}`, () => {
        const sk = fromHex(v.secret);
        const msg = fromHex(v.message);
        expect(toHex(backend.getPublicKey(sk))).toBe(v.public);
        expect(toHex(backend.sign(msg, sk))).toBe(v.signature);
        expect(backend.verify(fromHex(v.signature), msg, fromHex(v.public))).toBe(true);
      });
    }
  }
});

describe('node:crypto and @noble/curves agree', () => {
  it('on random keys and messages: same signature, each verifies the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const pkNode = nodeEd25519.getPublicKey(seed);
        expect(nobleEd25519.getPublicKey(seed)).toEqual(pkNode);
        const sigNode = nodeEd25519.sign(msg, seed);
        expect(nobleEd25519.sign(msg, seed)).toEqual(sigNode);
        expect(nobleEd25519.verify(sigNode, msg, pkNode)).toBe(true);
        expect(nodeEd25519.verify(sigNode, msg, pkNode)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('both reject any single-bit change to signature or message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.boolean(), (msg, bit, inSig) => {
        const kp = generateKeyPair();
        const sig = sign(msg, kp.secretKey);
        const s = sig.slice();
        const m = msg.slice();
        if (inSig) s[(bit >> 3) % 64]! ^= 1 << (bit & 7);
        else m[(bit >> 3) % m.length]! ^= 1 << (bit & 7);
        expect(nodeEd25519.verify(s, m, kp.publicKey)).toBe(false);
        expect(nobleEd25519.verify(s, m, kp.publicKey)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
  it('both reject a non-canonical S (s + L), per RFC 8032 §5.1.7', () => {
    const kp = keyPairFromSeed(fromHex(RFC8032[1]!.secret));
    const msg = fromHex('72');
    const sig = sign(msg, kp.secretKey);
    // S is little-endian in the second half; add the group order L.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    s += L;
    const forged = sig.slice();
    for (let i = 32; i < 64; i++) {
      forged[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    expect(nodeEd25519.verify(forged, msg, kp.publicKey)).toBe(false);
    expect(nobleEd25519.verify(forged, msg, kp.publicKey)).toBe(false);
  });
});

describe('malformed input throws; a bad signature returns false', () => {
  const kp = generateKeyPair();
  const msg = new Uint8Array([1, 2, 3]);
  const sig = sign(msg, kp.secretKey);
  it('wrong signature length', () => {
    expect(() => verify(sig.subarray(0, 63), msg, kp.publicKey)).toThrowError(expect.objectContaining({ code: 'CORE_SIGNATURE_INVALID' }));
  });
  it('wrong key lengths', () => {
    expect(() => verify(sig, msg, new Uint8Array(31))).toThrowError(expect.objectContaining({ code: 'CORE_KEY_INVALID' }));
    expect(() => sign(msg, new Uint8Array(64))).toThrowError(expect.objectContaining({ code: 'CORE_KEY_INVALID' }));
  });
  it('a signature by another key is false', () => {
    expect(verify(sig, msg, generateKeyPair().publicKey)).toBe(false);
  });
  it('a 32-byte public key that is not a curve point is false, not a crash', () => {
    const notPoint = new Uint8Array(32).fill(0xff);
    expect(verify(sig, msg, notPoint)).toBe(false);
    expect(nobleEd25519.verify(sig, msg, notPoint)).toBe(false);
  });
  it('generated keys produce distinct did:keys', () => {
    expect(didKeyFromPublicKey(generateKeyPair().publicKey)).not.toBe(didKeyFromPublicKey(generateKeyPair().publicKey));
  });
});
