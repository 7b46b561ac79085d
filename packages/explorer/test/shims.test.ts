/**
 * The browser modules that stand in for Node's in the bundle (src/shims) give Node's answers:
 * SHA-256 (FIPS 180-4), while its Ed25519 calls refuse loudly (core uses its @noble/curves
 * backend outside Node), base64url (RFC 4648 §5) against Node's Buffer, GZIP
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

  it('Ed25519 is refused loudly: outside Node, core signs and verifies with @noble/curves', () => {
    expect(() => shim.createPublicKey({ key: new Uint8Array(44) })).toThrow(/not available in the browser/);
    expect(() => shim.createPrivateKey({ key: new Uint8Array(48) })).toThrow(/not available in the browser/);
    expect(() => shim.sign(null, new Uint8Array(0), {})).toThrow(/not available in the browser/);
    expect(() => shim.verify(null, new Uint8Array(0), {}, new Uint8Array(64))).toThrow(/not available in the browser/);
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
