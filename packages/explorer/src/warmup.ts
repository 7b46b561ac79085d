/**
 * Prepares the verification path once the page has loaded, so that the reader's first
 * verification is as fast as the following ones: noble builds its Ed25519 base-point tables on
 * first use, and the JavaScript engine compiles JCS, SHA-256 and GZIP on their first calls. A
 * throw-away key signs and verifies a throw-away credential; nothing is kept or trusted.
 */
import { BitstringStatusList, signCredential, verificationMethodOf, verifyCredential } from '@dataledger/certificates';
import { didKeyFromPublicKey, keyPairFromSeed } from '@dataledger/core';

/** Runs the warm-up (about the cost of one certificate verification). */
export function warmUp(): void {
  const key = keyPairFromSeed(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const did = didKeyFromPublicKey(key.publicKey);
  const vc = signCredential(
    { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: did } },
    { secretKey: key.secretKey, verificationMethod: verificationMethodOf(key.publicKey) },
  );
  verifyCredential(vc);
  BitstringStatusList.decode(new BitstringStatusList().encode());
}
