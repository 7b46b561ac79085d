/**
 * W3C VC-DI-EdDSA §3.3 (cryptosuite eddsa-jcs-2022) against the published test vectors
 * (w3c/vc-di-eddsa `TestVectors/eddsa-jcs-2022` and `TestVectors/keyPair.json`, stored in
 * test/vectors/vc-di-eddsa), plus a cross-check with an independent implementation of
 * the published algorithm written here from the spec steps (own JCS, own base58btc,
 * node:crypto SHA-256 and @noble/curves Ed25519).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase58btc, fromHex, getPublicKey, toHex, utf8Decode } from '@dataledger/core';
import { eddsaJcs2022HashData, signCredential, verificationMethodOf, verifyCredential, type JsonObject } from '../src/index.ts';
import { readVectorJson, readVectorText } from '../../../test/support/vectors.ts';
import { referenceSign, referenceVerify } from './reference-eddsa-jcs-2022.ts';

const DIR = ['vc-di-eddsa', 'eddsa-jcs-2022'];
const keyPair = readVectorJson<{ publicKeyMultibase: string; privateKeyMultibase: string }>('vc-di-eddsa', 'keyPair.json');
const signed = readVectorJson<JsonObject>(...DIR, 'signedJCS.json');
const proofConfig = readVectorJson<JsonObject>(...DIR, 'proofConfigJCS.json');
const text = (name: string): string => readVectorText(...DIR, name).trim();

// Multikey private key: multicodec ed25519-priv (0x1300 → varint 0x80 0x26) ‖ 32-byte seed.
const priv = fromBase58btc(keyPair.privateKeyMultibase.slice(1));
const secretKey = priv.slice(2);
const { proof: publishedProof, ...unsecured } = signed as JsonObject & { proof: JsonObject };

describe('eddsa-jcs-2022: published vectors (w3c/vc-di-eddsa TestVectors/eddsa-jcs-2022)', () => {
  it('the key pair: seed derives the published public key, and the VM is the did:key form', () => {
    expect([priv[0], priv[1]]).toEqual([0x80, 0x26]);
    expect(verificationMethodOf(getPublicKey(secretKey))).toBe(`did:key:${keyPair.publicKeyMultibase}#${keyPair.publicKeyMultibase}`);
  });

  it('every intermediate value: canonical document, canonical proof config, hashes', () => {
    const hd = eddsaJcs2022HashData(unsecured, proofConfig);
    expect(utf8Decode(hd.canonicalDocument)).toBe(text('canonDocJCS.txt'));
    expect(utf8Decode(hd.canonicalProofConfig)).toBe(text('proofCanonJCS.txt'));
    expect(toHex(hd.documentHash)).toBe(text('docHashJCS.txt'));
    expect(toHex(hd.proofConfigHash)).toBe(text('proofHashJCS.txt'));
    expect(toHex(hd.hashData)).toBe(text('combinedHashJCS.txt'));
  });

  it('signing reproduces the published signature (hex and base58btc) and signed credential', () => {
    const vc = signCredential(unsecured, {
      secretKey,
      verificationMethod: proofConfig.verificationMethod as string,
      created: proofConfig.created as string,
    });
    expect(toHex(fromBase58btc(vc.proof.proofValue.slice(1)))).toBe(text('sigHexJCS.txt'));
    expect(vc.proof.proofValue).toBe(text('sigBTC58JCS.txt'));
    expect(vc).toEqual(signed);
  });

  it('the published signed credential verifies', () => {
    expect(verifyCredential(signed)).toEqual({ verified: true, errors: [] });
    expect(fromHex(text('sigHexJCS.txt'))).toEqual(fromBase58btc(text('sigBTC58JCS.txt').slice(1)));
  });
});

describe('eddsa-jcs-2022: cross-check with the reference implementation', () => {
  const vm = proofConfig.verificationMethod as string;
  const arbDoc = fc.record({
    '@context': fc.constant(['https://www.w3.org/ns/credentials/v2']),
    id: fc.uuid().map((u) => `urn:uuid:${u}`),
    type: fc.constant(['VerifiableCredential', 'DataAssetCertificate']),
    issuer: fc.constant(vm.slice(0, vm.indexOf('#'))),
    credentialSubject: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
  });

  it('a credential signed by the project verifies with the reference algorithm', () => {
    fc.assert(
      fc.property(arbDoc, (doc) => {
        const vc = signCredential(doc as unknown as JsonObject, { secretKey, verificationMethod: vm, created: '2026-11-26T08:00:00Z' });
        expect(referenceVerify(vc)).toBe(true);
        // and the reference signature is byte-identical (Ed25519 is deterministic)
        expect(referenceSign(doc, secretKey, vm, '2026-11-26T08:00:00Z')).toEqual(vc);
      }),
      { numRuns: 50 },
    );
  });

  it('a credential signed by the reference algorithm verifies with the project', () => {
    fc.assert(
      fc.property(arbDoc, (doc) => {
        const vc = referenceSign(doc, secretKey, vm, '2026-01-01T00:00:00Z');
        expect(verifyCredential(vc)).toEqual({ verified: true, errors: [] });
      }),
      { numRuns: 50 },
    );
  });

  it('the reference verifier accepts the published credential and the project signs it identically', () => {
    expect(referenceVerify(signed)).toBe(true);
  });
});

describe('eddsa-jcs-2022: refusals, with codes', () => {
  const vm = proofConfig.verificationMethod as string;
  const codes = (vc: unknown): string[] => verifyCredential(vc).errors.map((e) => e.code);
  const withProof = (patch: Record<string, unknown>): JsonObject => ({ ...signed, proof: { ...(signed.proof as JsonObject), ...patch } }) as JsonObject;

  it('sign-mutate-reject: any changed document value fails with VC_SIGNATURE_INVALID', () => {
    fc.assert(
      fc.property(fc.constantFrom('name', 'description', 'validFrom', 'id'), fc.string(), (key, value) => {
        fc.pre(value !== signed[key]);
        expect(codes({ ...signed, [key]: value })).toEqual(['VC_SIGNATURE_INVALID']);
      }),
    );
    expect(codes({ ...signed, extra: 1 })).toEqual(['VC_SIGNATURE_INVALID']);
    expect(codes(withProof({ created: '2023-02-24T23:36:39Z' }))).toEqual(['VC_SIGNATURE_INVALID']);
  });

  it('malformed inputs get their codes', () => {
    expect(codes('x')).toEqual(['VC_CREDENTIAL_MALFORMED']);
    expect(codes(unsecured)).toEqual(['VC_PROOF_MISSING']);
    expect(codes({ ...signed, proof: [] })).toEqual(['VC_PROOF_MISSING']);
    expect(codes({ ...signed, proof: 'p' })).toEqual(['VC_PROOF_MALFORMED']);
    expect(codes(withProof({ cryptosuite: 'eddsa-rdfc-2022' }))).toEqual(['VC_CRYPTOSUITE_UNSUPPORTED']);
    expect(codes(withProof({ type: 'Ed25519Signature2020' }))).toEqual(['VC_CRYPTOSUITE_UNSUPPORTED']);
    expect(codes(withProof({ proofValue: `u${'A'.repeat(86)}` }))).toEqual(['VC_PROOF_MALFORMED']);
    expect(codes(withProof({ proofValue: 'z0OIl' }))).toEqual(['VC_PROOF_MALFORMED']);
    expect(codes(withProof({ proofValue: 'z2HnF' }))).toEqual(['VC_PROOF_MALFORMED']);
    expect(codes(withProof({ proofPurpose: 'authentication' }))).toEqual(['VC_PROOF_PURPOSE_MISMATCH']);
    expect(codes(withProof({ created: 'yesterday' }))).toEqual(['VC_PROOF_MALFORMED']);
    expect(codes(withProof({ expires: '2024-01-01T00:00:00Z' }))).toEqual(['VC_PROOF_EXPIRED']);
    expect(codes(withProof({ verificationMethod: 'https://vc.example/issuers/5678#key-1' }))).toEqual(['VC_VERIFICATION_METHOD_INVALID']);
    // a did:key whose fragment names another key is not the did:key VM form
    const other = verificationMethodOf(getPublicKey(new Uint8Array(32).fill(7)));
    expect(codes(withProof({ verificationMethod: `${vm.slice(0, vm.indexOf('#'))}${other.slice(other.indexOf('#'))}` }))).toEqual([
      'VC_VERIFICATION_METHOD_INVALID',
    ]);
    expect(codes(withProof({ '@context': ['https://www.w3.org/ns/credentials/examples/v2'] }))).toEqual(['VC_CONTEXT_MISMATCH']);
    expect(codes({ ...signed, issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' })).toEqual(['VC_ISSUER_MISMATCH']);
    const cyclic: Record<string, unknown> = { ...signed };
    cyclic.self = cyclic;
    expect(codes(cyclic)).toEqual(['VC_CREDENTIAL_MALFORMED']);
  });

  it('a signature by another key is refused; signing with the wrong key is refused', () => {
    const otherSk = new Uint8Array(32).fill(9);
    const otherVm = verificationMethodOf(getPublicKey(otherSk));
    const forged = signCredential(unsecured, { secretKey: otherSk, verificationMethod: otherVm, created: '2023-02-24T23:36:38Z' });
    expect(codes({ ...forged, proof: { ...forged.proof, verificationMethod: vm } })).toEqual(['VC_SIGNATURE_INVALID']);
    expect(() => signCredential(unsecured, { secretKey: otherSk, verificationMethod: vm })).toThrowError(expect.objectContaining({ code: 'VC_KEY_MISMATCH' }));
    expect(() => signCredential(signed, { secretKey, verificationMethod: vm })).toThrowError(expect.objectContaining({ code: 'VC_PROOF_GENERATION' }));
    expect(() => signCredential(unsecured, { secretKey, verificationMethod: 'did:web:x#k' })).toThrowError(
      expect.objectContaining({ code: 'VC_VERIFICATION_METHOD_INVALID' }),
    );
  });

  it('a proof set verifies only when every proof does', () => {
    const otherSk = new Uint8Array(32).fill(3);
    const second = signCredential(unsecured, { secretKey: otherSk, verificationMethod: verificationMethodOf(getPublicKey(otherSk)) });
    const set = { ...signed, proof: [signed.proof, second.proof] };
    expect(verifyCredential(set).verified).toBe(true);
    const bad = { ...signed, proof: [signed.proof, { ...second.proof, created: '2020-01-01T00:00:00Z' }] };
    expect(codes(bad)).toEqual(['VC_SIGNATURE_INVALID']);
  });
});
