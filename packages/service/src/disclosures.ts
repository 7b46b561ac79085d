/**
 * Confidential members on the write path (DESIGN.md "Confidential payloads"): the checks a
 * write body's disclosures pass at the edge, once, and what a signed reader may see of them.
 *
 * A record's payload is logged with its confidential members replaced by SD-JWT digests
 * (RFC 9901 §4.2); the writer sends their disclosures beside it. The service refuses a
 * confidential member in clear, demands a disclosure for every digest (there are no decoys:
 * every rule runs on the full payload) and keeps the disclosures in its vault, which no public
 * route reads. Errors name paths and digests only, never a disclosure or a revealed value.
 */
import {
  CertificateError,
  checkConcealed,
  disclosureMap,
  isRecordType,
  payloadDigests,
  revealPayload,
  type DisclosurePolicy,
  type JsonObject,
  type OpenedDisclosure,
  type RegistryState,
  type ApplyOptions,
  type RevealedPayload,
} from '@dataledger/certificates';
import { DataLedgerError } from '@dataledger/core';
import type { DisclosureVault, LedgerRecord, VerifiedRecord } from '@dataledger/provenance';

/** Most disclosures in one write body (the spec's bound: a batch of records, a few members each). */
export const MAX_BODY_DISCLOSURES: number = 1024;

/** The disclosures of a submission, by digest. */
export type DisclosuresByDigest = ReadonlyMap<string, OpenedDisclosure>;

/** No disclosures. */
export const NO_DISCLOSURES: DisclosuresByDigest = new Map();

/**
 * The disclosures of a submission as the edge checked them ({@link checkDisclosures}): by
 * digest, and each record's payload as revealed there. The registry's checks further down the
 * write path (precheck, `applyRecord`) take that revealed payload instead of revealing the same
 * record again, as they take the signature checked at the edge from the `VerifiedRecord`. Only
 * {@link checkDisclosures} fills one; records are matched by identity (a `VerifiedRecord`'s
 * record is frozen).
 */
export class CheckedDisclosures extends Map<string, OpenedDisclosure> {
  readonly #revealed = new WeakMap<LedgerRecord, RevealedPayload>();

  /** The payload of `record` as revealed at the edge (undefined for another record). */
  revealedOf(record: LedgerRecord): RevealedPayload | undefined {
    return this.#revealed.get(record);
  }

  /** Adds a record checked by {@link checkDisclosures}: its payload revealed, strictly. */
  add(record: LedgerRecord, revealed: RevealedPayload): void {
    this.#revealed.set(record, revealed);
    for (const d of revealed.used) this.set(d.digest, d);
  }
}

/**
 * The payload of `record` as revealed at the edge, when `disclosures` are the edge's
 * ({@link CheckedDisclosures}); undefined otherwise (the caller reveals it).
 */
export function revealedAtEdge(disclosures: DisclosuresByDigest | undefined, record: LedgerRecord): RevealedPayload | undefined {
  return disclosures instanceof CheckedDisclosures ? disclosures.revealedOf(record) : undefined;
}

function positioned(err: unknown, position: number): unknown {
  if (!(err instanceof CertificateError)) return err;
  return new CertificateError(err.code, err.message, { details: { ...(err.details ?? {}), position }, cause: err });
}

/**
 * `applyRecord`'s options on the write path: the disclosures, and the record's payload as the
 * edge revealed it when it did.
 */
export function withRevealed(disclosures: DisclosuresByDigest, record: LedgerRecord): ApplyOptions {
  const revealed = revealedAtEdge(disclosures, record);
  return revealed === undefined ? { disclosures } : { disclosures, revealed };
}

/**
 * The edge checks of a write body's confidential members: each record's payload carries no
 * member the policy makes confidential in clear and no digest where none is allowed
 * (`checkConcealed`), every digest has its disclosure and each disclosure names a member
 * allowed where its digest sits (`revealPayload`, strict) and confidential under the policy
 * (a member the ledger publishes is not concealed), and every disclosure given is used by
 * some record of the body.
 * @param records - the body's records, signature-checked
 * @param disclosures - the body's disclosures (untrusted strings)
 * @param policy - the ledger's disclosure policy
 * @returns the disclosures by digest (all of them used), with each record's revealed payload
 * @throws CertificateError `DISCLOSURE_MALFORMED`, `DISCLOSURE_NOT_CONCEALED`,
 *   `DISCLOSURE_UNEXPECTED`, `DISCLOSURE_MISSING`, `DISCLOSURE_MISMATCH` (with
 *   `details.position`, the record's place in the body), `DISCLOSURE_FOREIGN` (with the
 *   unused digests in `details.digests`)
 */
export function checkDisclosures(records: readonly VerifiedRecord[], disclosures: readonly unknown[], policy: DisclosurePolicy): CheckedDisclosures {
  if (disclosures.length > MAX_BODY_DISCLOSURES) {
    throw new CertificateError('DISCLOSURE_MALFORMED', `disclosures: at most ${MAX_BODY_DISCLOSURES} in one body`, { details: { count: disclosures.length } });
  }
  // openDisclosure's messages say what is wrong, never what a disclosure holds.
  const given = disclosureMap(disclosures as string[]);
  const used = new CheckedDisclosures();
  records.forEach(({ record }, k) => {
    if (!isRecordType(record.type)) return; // the registry refuses it (REGISTRY_UNKNOWN_TYPE)
    const payload = record.payload as JsonObject;
    try {
      checkConcealed(record.type, payload, policy);
      const digests = payloadDigests(payload);
      if (digests.length === 0) return;
      const own = new Map<string, OpenedDisclosure>();
      for (const { digest } of digests) {
        const d = given.get(digest);
        if (d !== undefined) own.set(digest, d);
      }
      const revealed = revealPayload(record.type, payload, own, { strict: true });
      // A member this ledger publishes may not be concealed (its public replay needs it).
      const allowed = policy.confidential[record.type];
      for (const { path, digest } of revealed.revealed) {
        if (!allowed.includes(path)) {
          throw new CertificateError('DISCLOSURE_UNEXPECTED', `payload.${path}: public on this ledger, send it in clear`, {
            details: { type: record.type, path, digest },
          });
        }
      }
      used.add(record, revealed);
    } catch (err) {
      throw positioned(err, k);
    }
  });
  if (used.size !== given.size) {
    const foreign = [...given.keys()].filter((d) => !used.has(d));
    throw new CertificateError('DISCLOSURE_FOREIGN', `${foreign.length} disclosure(s) match no digest of the records of this body`, {
      details: { digests: foreign },
    });
  }
  return used;
}

/** The digests a logged record carries (none for a payload without `_sd`). */
export function recordDigests(record: LedgerRecord): string[] {
  try {
    return payloadDigests(record.payload).map((d) => d.digest);
  } catch {
    // A malformed `_sd` was never accepted by this service; a record of other tools hides nothing we can find.
    return [];
  }
}

/**
 * Whether `reader` may see the disclosures of a logged record (DESIGN.md "Confidential
 * payloads", reads): regulators and the root authority all; the writer of the record its
 * own; the current holder of the asset a record is about (registration, review, valuation,
 * changes, transfer, licence grant); the licensee of a licence its grant; the data subject of
 * a consent its consent (its writer).
 * @param state - the registry state
 * @param reader - the signer of the read
 * @param readerRoles - its roles (`root` for the root authority)
 * @param record - the logged record
 */
export function mayReadDisclosures(state: RegistryState, reader: string, readerRoles: readonly string[], record: LedgerRecord): boolean {
  if (readerRoles.includes('regulator') || readerRoles.includes('root')) return true;
  if (record.actor === reader) return true;
  const p = (typeof record.payload === 'object' && record.payload !== null ? record.payload : {}) as Record<string, unknown>;
  // A consent's `person` is the data subject's: only it (its writer) and regulators see it.
  if (record.type === 'consent.granted') return false;
  if (record.type === 'licence.granted') {
    const licensee = p['licensee'] as { id?: unknown } | undefined;
    if (licensee?.id === reader) return true;
  }
  const rn = p['registrationNumber'];
  if (typeof rn === 'string' && record.type !== 'disclosure.erased') {
    const asset = state.assets.get(rn);
    if (asset !== undefined && asset.holder.id === reader) return true;
  }
  return false;
}

/**
 * A registry refusal as a writer may see it: a rule whose message would name a confidential
 * value (the data subjects of an asset, `subjects`) is answered without it, so that a refused
 * write never tells its writer what the log conceals. Every other error is returned as it is.
 */
export function withoutConfidential(err: unknown): unknown {
  if (!(err instanceof DataLedgerError) || err.code !== 'REGISTRY_CONSENT_MISSING') return err;
  const { subject: _subject, ...details } = (err.details ?? {}) as Record<string, unknown>;
  const rn = typeof details['registrationNumber'] === 'string' ? details['registrationNumber'] : 'of this licence';
  return new DataLedgerError(err.code, `asset ${rn}: a data subject has given no consent to this licensee for this purpose`, { details });
}

/**
 * Puts the disclosures of a group of records in the vault before its log batch commits (the
 * append queue's default `keep`); a digest the log has erased (the registry state's
 * `erasedDigests`) is never put back. The undo erases the entries this put added, best-effort,
 * when the batch fails: no record would reference them.
 * @param vault - the vault beside the log
 * @param state - the registry state after the group
 * @param disclosures - the disclosures of the group's records
 * @returns the undo
 */
export async function keepDisclosures(vault: DisclosureVault, state: unknown, disclosures: readonly OpenedDisclosure[]): Promise<() => Promise<void>> {
  const erased = (state as Partial<Pick<RegistryState, 'erasedDigests'>> | null)?.erasedDigests;
  const entries = disclosures.filter((d) => erased?.has(d.digest) !== true).map((d) => ({ digest: d.digest, disclosure: d.disclosure }));
  if (entries.length === 0) return async () => undefined;
  const before = await vault.getMany(entries.map((e) => e.digest));
  await vault.put(entries);
  const added = entries.filter((_, i) => before[i] === undefined).map((e) => e.digest);
  return async () => {
    if (added.length > 0) await vault.erase(added);
  };
}
