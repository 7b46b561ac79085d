/**
 * What a data-asset certificate states about its asset (`credentialSubject`) and the hash the
 * `certificate.issued` record commits to. Shared by the registry (which checks the logged hash
 * against the asset's state) and by issuance and verification.
 */
import { canonicalBytes, sha256, toHex } from '@dataledger/core';
import type { JsonObject } from './dataintegrity.ts';
import type { AssetState } from './registry.ts';
import { CertificateError } from './errors.ts';

/** What the certificate states about the asset, built from the registry state. */
export type CertificateSubject = JsonObject;

/**
 * The `credentialSubject` of an asset's certificate: the asset's registration, source,
 * classification, rights, fingerprint, size, update frequency, valuation and validity.
 * Members the ledger conceals (the holder's name, the valuation) appear as the digests the log
 * carries (SD-JWT `_sd`, RFC 9901 §4.2.4.1), so the holder hands a verifier only the
 * disclosures it chooses, and anyone can recompute the subject's hash from the public log.
 * @param asset - the asset as the registry knows it
 * @throws CertificateError `REGISTRY_DISCLOSURE_REQUIRED` when some of the asset's digests
 *   belong to members not known (a replay without their disclosures)
 */
export function certificateSubject(asset: AssetState): CertificateSubject {
  if (asset.opaque.length > 0) {
    throw new CertificateError(
      'REGISTRY_DISCLOSURE_REQUIRED',
      `asset ${asset.registrationNumber}: which digests the subject states is known only with their disclosures`,
      {
        details: { registrationNumber: asset.registrationNumber },
      },
    );
  }
  const holder: JsonObject = { id: asset.holder.id, foreign: asset.holder.foreign };
  const nameDigest = asset.sealed['holder.name'];
  if (nameDigest !== undefined) holder._sd = [nameDigest];
  else if (asset.holder.name !== undefined) holder.name = asset.holder.name;
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
  const valuationDigest = asset.sealed.valuation;
  if (valuationDigest !== undefined) subject._sd = [valuationDigest];
  else if (asset.valuation !== null) {
    subject.valuation = { amount: asset.valuation.amount, currency: asset.valuation.currency, method: asset.valuation.method };
  }
  return subject;
}

/** SHA-256 (hex) of the canonical form of a certificate subject (what `certificate.issued` commits to). */
export function subjectHash(subject: CertificateSubject): string {
  return toHex(sha256(canonicalBytes(subject)));
}
