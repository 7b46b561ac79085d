/**
 * What a data-asset certificate states about its asset (`credentialSubject`) and the hash the
 * `certificate.issued` record commits to. Shared by the registry (which checks the logged hash
 * against the asset's state) and by issuance and verification.
 */
import { canonicalBytes, sha256, toHex } from '@dataledger/core';
import type { JsonObject } from './dataintegrity.ts';
import type { AssetState } from './registry.ts';

/** What the certificate states about the asset, built from the registry state. */
export type CertificateSubject = JsonObject;

/**
 * The `credentialSubject` of an asset's certificate: the asset's registration, source,
 * classification, rights, fingerprint, size, update frequency, valuation and validity.
 * @param asset - the asset as the registry knows it
 */
export function certificateSubject(asset: AssetState): CertificateSubject {
  const holder: JsonObject = { id: asset.holder.id, foreign: asset.holder.foreign };
  if (asset.holder.name !== undefined) holder.name = asset.holder.name;
  const subject: JsonObject = {
    id: asset.holder.id,
    type: 'DataAsset',
    registrationNumber: asset.registrationNumber,
    name: asset.name,
    holder,
    source: { department: asset.source.department, authorisationBasis: asset.source.authorisationBasis },
    classification: asset.classification,
    rights: [...asset.rights],
    fingerprint: { algorithm: 'sha-256', of: asset.fingerprintOf, value: asset.fingerprint },
    rowCount: asset.rowCount,
    updateFrequency: asset.updateFrequency,
    validity: { from: asset.validity.from, until: asset.validity.until },
    subjectIdentified: asset.subjectIdentified,
  };
  if (asset.valuation !== null) {
    subject.valuation = { amount: asset.valuation.amount, currency: asset.valuation.currency, method: asset.valuation.method };
  }
  return subject;
}

/** SHA-256 (hex) of the canonical form of a certificate subject (what `certificate.issued` commits to). */
export function subjectHash(subject: CertificateSubject): string {
  return toHex(sha256(canonicalBytes(subject)));
}
