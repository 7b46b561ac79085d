// Ed25519 against RFC 8032 §7.1 test vectors, and the libsodium, node:crypto and
// @noble/curves backends against each other, on honest and on crafted signatures.
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  didKeyFromPublicKey,
  ed25519Backend,
  fromHex,
  generateKeyPair,
  keyPairFromSeed,
  nobleEd25519,
  nodeEd25519,
  sign,
  sodiumEd25519,
  toHex,
  verify,
  type Ed25519Backend,
} from '../src/index.ts';
import { canonicalY, scalarBelowL, smallOrder } from '../src/ed25519.ts';

// sodium-native ships prebuilt addons for these; elsewhere OpenSSL is the default.
const SODIUM_PLATFORM = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'].includes(`${process.platform}-${process.arch}`);
const BACKENDS: Ed25519Backend[] = [nodeEd25519, nobleEd25519, ...(sodiumEd25519 === undefined ? [] : [sodiumEd25519])];

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

describe('the default backend', () => {
  it.runIf(SODIUM_PLATFORM)('is libsodium where sodium-native has a prebuilt addon', () => {
    expect(sodiumEd25519?.name).toBe('sodium');
    expect(ed25519Backend).toBe(sodiumEd25519);
  });
  it.runIf(!SODIUM_PLATFORM && sodiumEd25519 === undefined)('is OpenSSL where libsodium does not load', () => {
    expect(ed25519Backend).toBe(nodeEd25519);
  });
});

describe('RFC 8032 §7.1 vectors, every backend', () => {
  for (const backend of BACKENDS) {
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

describe('the backends agree', () => {
  it('on random keys and messages: same key, same signature, each verifies the others', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const pkNode = nodeEd25519.getPublicKey(seed);
        const sigNode = nodeEd25519.sign(msg, seed);
        for (const b of BACKENDS) {
          expect(b.getPublicKey(seed)).toEqual(pkNode);
          expect(b.sign(msg, seed)).toEqual(sigNode);
          expect(b.verify(sigNode, msg, pkNode)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
  it('every backend rejects any single-bit change to signature or message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.boolean(), (msg, bit, inSig) => {
        const kp = generateKeyPair();
        const sig = sign(msg, kp.secretKey);
        const s = sig.slice();
        const m = msg.slice();
        if (inSig) s[(bit >> 3) % 64]! ^= 1 << (bit & 7);
        else m[(bit >> 3) % m.length]! ^= 1 << (bit & 7);
        for (const b of BACKENDS) expect(b.verify(s, m, kp.publicKey)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
  it('every backend rejects a non-canonical S (s + L), per RFC 8032 §5.1.7', () => {
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
    for (const b of BACKENDS) expect(b.verify(forged, msg, kp.publicKey)).toBe(false);
  });
});

// Crafted signatures ("Taming the many EdDSAs", Chalkias et al. 2020), made with the curve
// arithmetic of @noble/curves. Each satisfies the equation of RFC 8032 §5.1.7 (checked here
// with that arithmetic), so only the rule's refusals stand between it and acceptance.
// node:crypto left to itself does not settle them: with the same OpenSSL 3.5.8, Node 22
// accepts an R of small order and Node 24 refuses it. A record signed so would pass on the
// server and fail a regulator's replay on the other Node; under the rule, both refuse.
describe('one acceptance rule on crafted signatures', () => {
  const { Point } = ed25519;
  const L = Point.Fn.ORDER;
  const le = (n: bigint): Uint8Array => numberToBytesLE(n, 32);
  const fromLe = bytesToNumberLE;
  const challenge = (R: Uint8Array, A: Uint8Array, msg: Uint8Array): bigint => fromLe(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
  const sig = (R: Uint8Array, s: bigint): Uint8Array => new Uint8Array([...R, ...le(s)]);
  // encode([S]B - [k]A) = R, with A decoded leniently (the sign bit of x = 0 aside).
  const equationHolds = (signature: Uint8Array, msg: Uint8Array, A: Uint8Array): boolean => {
    const R = signature.subarray(0, 32);
    const k = challenge(R, A, msg);
    const check = Point.BASE.multiplyUnsafe(fromLe(signature.subarray(32))).subtract(Point.fromBytes(A, true).multiplyUnsafe(k));
    return toHex(check.toBytes()) === toHex(R);
  };
  const openssl = (signature: Uint8Array, msg: Uint8Array, A: Uint8Array): boolean => {
    try {
      const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), A]), format: 'der', type: 'spki' });
      return opensslVerify(null, msg, key, signature);
    } catch {
      return false;
    }
  };
  const torsion = ED25519_TORSION_SUBGROUP.map((h) => Point.fromHex(h));
  const scalar = fc.bigInt({ min: 1n, max: L - 1n });

  it('a public key of small order is refused, whatever its sign bit, though R = [r]B, S = r satisfies the equation', () => {
    const r = 12345n;
    const R = Point.BASE.multiply(r).toBytes();
    const signature = sig(R, r);
    for (const T of torsion) {
      for (const top of [0, 0x80]) {
        const A = T.toBytes();
        A[31] = (A[31]! & 0x7f) | top;
        // [S]B - [k]A = R when k is a multiple of A's order: find such a message for these bytes.
        let msg = new Uint8Array([0]);
        for (let i = 0; challenge(R, A, msg) % 8n !== 0n; i++) msg = new Uint8Array([i & 0xff, i >> 8]);
        expect(equationHolds(signature, msg, A)).toBe(true);
        for (const b of BACKENDS) expect(b.verify(signature, msg, A), `${b.name} ${toHex(A)}`).toBe(false);
      }
    }
  });

  it('an R of small order is refused, each of the eight, though the equation holds (A with a torsion component)', () => {
    // A = [a]B + T8, S = k·a: [S]B - [k]A = -[k]T8, which runs over the eight torsion points as
    // k varies; for each torsion point as R, find a message that lands on it.
    const T8 = torsion.find((t) => !t.multiplyUnsafe(4n).is0())!;
    const a = 987654321n;
    const A = Point.BASE.multiply(a).add(T8).toBytes();
    for (const T of torsion) {
      const R = T.toBytes();
      let msg = new Uint8Array([0]);
      for (
        let i = 0;
        !T8.multiplyUnsafe(challenge(R, A, msg))
          .negate()
          .equals(T);
        i++
      )
        msg = new Uint8Array([i & 0xff, i >> 8]);
      const signature = sig(R, (challenge(R, A, msg) * a) % L);
      expect(equationHolds(signature, msg, A)).toBe(true);
      for (const b of BACKENDS) expect(b.verify(signature, msg, A), `${b.name} R=${toHex(R)}`).toBe(false);
    }
  });

  it('an R of small order is refused, though R = identity, S = k·a satisfies the equation', () => {
    fc.assert(
      fc.property(scalar, fc.uint8Array({ maxLength: 64 }), (a, msg) => {
        const A = Point.BASE.multiply(a).toBytes();
        const R = Point.ZERO.toBytes();
        const signature = sig(R, (challenge(R, A, msg) * a) % L);
        expect(equationHolds(signature, msg, A)).toBe(true);
        for (const b of BACKENDS) expect(b.verify(signature, msg, A), b.name).toBe(false);
      }),
      { numRuns: 20 },
    );
  });

  it('a public key with a torsion component is checked cofactorless: it verifies exactly when [k]T = 0', () => {
    const T8 = torsion.find((t) => !t.multiplyUnsafe(4n).is0()) as (typeof torsion)[number];
    fc.assert(
      fc.property(scalar, scalar, fc.uint8Array({ maxLength: 64 }), (a, r, msg) => {
        const A = Point.BASE.multiply(a).add(T8).toBytes();
        const R = Point.BASE.multiply(r).toBytes();
        const k = challenge(R, A, msg);
        const signature = sig(R, (r + k * a) % L);
        const expected = k % 8n === 0n;
        // OpenSSL's equation is cofactorless too, on every Node this runs on.
        expect(openssl(signature, msg, A)).toBe(expected);
        // The cofactored equation would accept every one of these.
        expect(ed25519.verify(signature, msg, A, { zip215: true })).toBe(true);
        for (const b of BACKENDS) expect(b.verify(signature, msg, A), b.name).toBe(expected);
      }),
      { numRuns: 64 },
    );
  });

  it('the refusals before the equation, at their boundaries', () => {
    const p = Point.Fp.ORDER;
    // libsodium's ge25519_has_small_order list (ed25519_ref10.c), sign bit ignored.
    const LIBSODIUM_SMALL_ORDER = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const hex of LIBSODIUM_SMALL_ORDER) {
      const e = fromHex(hex);
      expect(smallOrder(e), hex).toBe(true);
      e[31]! |= 0x80;
      expect(smallOrder(e), `${hex} with the sign bit`).toBe(true);
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const y = toHex(new Uint8Array([...bytes.subarray(0, 31), bytes[31]! & 0x7f]));
        expect(smallOrder(bytes)).toBe(LIBSODIUM_SMALL_ORDER.includes(y));
      }),
    );
    // y below p (RFC 8032 §5.1.3 step 1): p - 1 is the last canonical value, either sign.
    for (const [y, ok] of [
      [0n, true],
      [p - 1n, true],
      [p, false],
      [p + 18n, false],
    ] as const) {
      const e = le(y);
      expect(canonicalY(e), String(y)).toBe(ok);
      e[31]! |= 0x80;
      expect(canonicalY(e), `${y} with the sign bit`).toBe(ok);
    }
    // S below L (RFC 8032 §5.1.7 step 1).
    for (const [sv, ok] of [
      [0n, true],
      [L - 1n, true],
      [L, false],
      [L + 1n, false],
      [(1n << 256n) - 1n, false],
    ] as const) {
      expect(scalarBelowL(le(sv)), String(sv)).toBe(ok);
    }
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
    for (const b of BACKENDS) expect(b.verify(sig, msg, notPoint)).toBe(false);
    expect(verify(sig, msg, notPoint)).toBe(false);
  });
  it('generated keys produce distinct did:keys', () => {
    expect(didKeyFromPublicKey(generateKeyPair().publicKey)).not.toBe(didKeyFromPublicKey(generateKeyPair().publicKey));
  });
});
