/**
 * The browser modules that stand in for Node's in the bundle (src/shims) give Node's answers:
 * SHA-256 (FIPS 180-4) and Ed25519 (RFC 8032: the §7.1 TEST 1 vector, and sign-verify-mutate
 * on random inputs against node:crypto), base64url (RFC 4648 §5) against Node's Buffer, GZIP
 * (RFC 1952) round trips against node:zlib, and the output bound a status list is decoded
 * under (a compressed bomb is refused).
 */
import * as nodeCrypto from 'node:crypto';
import { gzipSync as nodeGzip, gunzipSync as nodeGunzip } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Buffer as ShimBuffer } from '../src/shims/buffer.ts';
import * as shim from '../src/shims/crypto.ts';
import { gunzipSync, gzipSync } from '../src/shims/zlib.ts';

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

describe('crypto shim', () => {
  it('SHA-256 matches node:crypto, incrementally and one-shot', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (parts) => {
        const h = shim.createHash('sha256');
        const n = nodeCrypto.createHash('sha256');
        for (const p of parts) {
          h.update(p);
          n.update(p);
        }
        const all = Buffer.concat(parts);
        expect(Buffer.from(h.digest() as Uint8Array)).toEqual(n.digest());
        expect(shim.hash('sha256', all, 'base64')).toBe(nodeCrypto.hash('sha256', all, 'base64'));
      }),
    );
    expect(shim.createHash('sha256').update('abc').digest('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => shim.createHash('sm3')).toThrow();
  });

  it('Ed25519 RFC 8032 §7.1 TEST 1', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const key = shim.createPrivateKey({ key: Buffer.concat([PKCS8, seed]) });
    const pub = shim.createPublicKey(key).export();
    expect(Buffer.from(pub).subarray(SPKI.length).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = shim.sign(null, new Uint8Array(0), key);
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('Ed25519 signs as node:crypto, and both refuse a changed message or signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 100 }), fc.nat(), (seed, msg, flip) => {
        const nodeKey = nodeCrypto.createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' });
        const key = shim.createPrivateKey({ key: Buffer.concat([PKCS8, seed]) });
        const sig = shim.sign(null, msg, key);
        expect(Buffer.from(sig)).toEqual(nodeCrypto.sign(null, msg, nodeKey));
        const pub = shim.createPublicKey({ key: Buffer.from(shim.createPublicKey(key).export()) });
        expect(shim.verify(null, msg, pub, sig)).toBe(true);
        const bad = new Uint8Array(sig);
        bad[flip % 64] = (bad[flip % 64] as number) ^ 1;
        const nodePub = nodeCrypto.createPublicKey(nodeKey);
        expect(shim.verify(null, msg, pub, bad)).toBe(nodeCrypto.verify(null, msg, nodePub, bad));
        expect(shim.verify(null, msg, pub, bad)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses keys that are not Ed25519 DER', () => {
    expect(() => shim.createPublicKey({ key: new Uint8Array(44) })).toThrow();
    expect(() => shim.createPrivateKey({ key: new Uint8Array(48) })).toThrow();
  });
});

describe('Buffer shim', () => {
  it('base64url encodes and decodes as Node does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(ShimBuffer.from(bytes).toString('base64url')).toBe(text);
        expect(Buffer.from(ShimBuffer.from(text, 'base64url'))).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('zlib shim', () => {
  it('round-trips with node:zlib both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        expect(Buffer.from(gunzipSync(nodeGzip(bytes)))).toEqual(Buffer.from(bytes));
        expect(nodeGunzip(gzipSync(bytes, { level: 9 }))).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses output over maxOutputLength (a GZIP bomb), and truncated input', () => {
    const bomb = nodeGzip(new Uint8Array(16 * 1024 * 1024));
    expect(() => gunzipSync(bomb, { maxOutputLength: 16_384 })).toThrow(RangeError);
    expect(gunzipSync(nodeGzip(new Uint8Array(16_384)), { maxOutputLength: 16_384 }).length).toBe(16_384);
    const gz = nodeGzip(new Uint8Array(1000).fill(7));
    expect(() => gunzipSync(gz.subarray(0, gz.length - 6))).toThrow();
    expect(() => gunzipSync(new Uint8Array(0))).toThrow();
  });
});
