// did:key (Ed25519, multicodec 0xed01) against the key pair published with the
// W3C vc-di-eddsa test vectors (test/vectors/vc-di-eddsa/keyPair.json).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  didKeyFromPublicKey,
  didKeyVerificationMethod,
  fromMultibase,
  getPublicKey,
  isDidKey,
  publicKeyFromDidKey,
  publicKeyFromMultibase,
  publicKeyToMultibase,
} from '../src/index.ts';
import { readVectorJson } from '../../../test/support/vectors.ts';

const kp = readVectorJson<{ publicKeyMultibase: string; privateKeyMultibase: string }>('vc-di-eddsa', 'keyPair.json');

describe('did:key', () => {
  it('the published Multikey secret (0x8026 prefix) derives the published public key', () => {
    const sec = fromMultibase(kp.privateKeyMultibase);
    expect([sec[0], sec[1]]).toEqual([0x80, 0x26]); // ed25519-priv multicodec
    expect(publicKeyToMultibase(getPublicKey(sec.slice(2)))).toBe(kp.publicKeyMultibase);
  });
  it('round-trips the published public key through did:key', () => {
    const pk = publicKeyFromMultibase(kp.publicKeyMultibase);
    const did = didKeyFromPublicKey(pk);
    expect(did).toBe(`did:key:${kp.publicKeyMultibase}`);
    expect(publicKeyFromDidKey(did)).toEqual(pk);
    expect(didKeyVerificationMethod(did)).toBe(`${did}#${kp.publicKeyMultibase}`);
    expect(publicKeyFromDidKey(didKeyVerificationMethod(did))).toEqual(pk);
    // A verification method id (did#key, accepted as a DID URL) maps to itself, not did#key#key.
    expect(didKeyVerificationMethod(didKeyVerificationMethod(did))).toBe(`${did}#${kp.publicKeyMultibase}`);
  });
  it('round-trips random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (pk) => {
        const did = didKeyFromPublicKey(pk);
        expect(did.startsWith('did:key:z6Mk')).toBe(true);
        expect(publicKeyFromDidKey(did)).toEqual(pk);
        expect(isDidKey(did)).toBe(true);
      }),
    );
  });
  const bad = [
    'did:web:example.com',
    'did:key:',
    'did:key:f6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
    'did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc', // X25519 (0xec01), not Ed25519
    `did:key:${kp.publicKeyMultibase}#z6MkotherKey`,
    `did:key:${kp.publicKeyMultibase.slice(0, -1)}0`,
  ];
  for (const did of bad) {
    it(`refuses ${did.slice(0, 40)}… with CORE_DID_INVALID`, () => {
      expect(() => publicKeyFromDidKey(did)).toThrowError(expect.objectContaining({ code: 'CORE_DID_INVALID' }));
      expect(isDidKey(did)).toBe(false);
    });
  }
});
