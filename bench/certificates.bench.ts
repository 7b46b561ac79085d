/**
 * @dataledger/certificates, each figure beside its anchor in the same run:
 * 1. `verifyCredential` (eddsa-jcs-2022: JCS of document and proof, two SHA-256, did:key
 *    resolution, Ed25519) vs raw node:crypto Ed25519 verify of the same count (goal ≥ 0.7),
 *    and vs digitalbazaar's eddsa-jcs-2022 verifier through jsonld-signatures (a dev-only
 *    bench dependency; goal ≥ 2);
 * 2. `verifyCertificate` (proof, issuer, validity, signed checkpoint, ledger record signature,
 *    RFC 9162 inclusion proof, both status lists) vs raw node:crypto Ed25519 verify of the two
 *    signatures a certificate carries (credential proof and ledger record);
 * 3. registry replay (`replayRegistry`, records/s: schema validation and every rule) vs raw
 *    node:crypto Ed25519 verify of the same records (what a bundle replay spends anyway).
 */
import { createPublicKey, verify as rawVerify, type KeyObject } from 'node:crypto';
import {
  canonicalBytes,
  didKeyFromPublicKey,
  fromBase58btc,
  fromBase64Url,
  keyPairFromSeed,
  publicKeyToMultibase,
  sha256,
  concatBytes,
  type KeyPair,
} from '@dataledger/core';
import { Log, buildRecord, memoryStore, type LedgerRecord } from '@dataledger/provenance';
import {
  applyRecord,
  certificateSubject,
  emptyRegistryState,
  issueCertificate,
  prepareCertificate,
  replayRegistry,
  signCredential,
  statusListCredentialsFromState,
  subjectHash,
  verificationMethodOf,
  verifyCertificate,
  verifyCredential,
  type AssetState,
  type JsonObject,
  type RegistryState,
} from '@dataledger/certificates';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsigs from 'jsonld-signatures';
import { measurePair, type BenchRow } from './harness.ts';

const SUITE = 'certificates';
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keyObject = (pk: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: 'der', type: 'spki' });
const kp = (n: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(n));

const root = kp(1);
const registry = kp(2);
const reviewer = kp(3);
const regulator = kp(4);
const holders = [kp(10), kp(11), kp(12), kp(13)];
const did = (k: KeyPair): string => didKeyFromPublicKey(k.publicKey);

function assetPayload(i: number, holder: KeyPair): Record<string, unknown> {
  return {
    registrationNumber: `DA-2026-${String(i).padStart(8, '0')}`,
    name: '企业用电数据 / enterprise power use',
    holder: { id: did(holder), foreign: false },
    source: { department: 'Provincial Grid Company', authorisationBasis: 'Data sharing agreement 2026-17' },
    classification: i % 5 === 0 ? 'important' : 'general',
    rights: ['holding', 'processing-and-use'],
    fingerprint: Buffer.from(sha256(new TextEncoder().encode(`asset ${i}`))).toString('hex'),
    fingerprintOf: 'merkle-root',
    rowCount: 1_200_000 + i,
    updateFrequency: 'monthly',
    valuation: { amount: '125000.50', currency: 'CNY', method: 'income' },
    validity: { from: '2026-01-01T00:00:00Z', until: '2028-01-01T00:00:00Z' },
    subjectIdentified: false,
    subjects: [],
  };
}

/** A valid ledger of about `n` records: registrations, reviews, transfers, licences, certificates. */
function makeLedger(n: number): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  let last: Uint8Array | null = null;
  const t0 = Date.UTC(2026, 0, 1);
  let state: RegistryState = emptyRegistryState();
  const add = (by: KeyPair, type: string, payload: Record<string, unknown>): void => {
    const r = buildRecord(
      { size: out.length, lastLeafHash: last },
      { type, payload: payload as never, time: new Date(t0 + out.length * 1000).toISOString() },
      by,
    );
    state = applyRecord(state, r);
    out.push(r);
    last = sha256(canonicalBytes(r)); // prev is not a registry concern; any 32 bytes chain here
  };
  add(root, 'ledger.genesis', { rootAuthority: did(root), ledgerName: 'bench' });
  add(root, 'role.granted', { subject: did(registry), role: 'registry' });
  add(root, 'role.granted', { subject: did(reviewer), role: 'reviewer' });
  add(root, 'role.granted', { subject: did(regulator), role: 'regulator' });
  for (const h of holders) add(root, 'role.granted', { subject: did(h), role: 'holder' });
  for (let i = 0; out.length < n; i++) {
    const h = holders[i % holders.length] as KeyPair;
    const to = holders[(i + 1) % holders.length] as KeyPair;
    const rn = `DA-2026-${String(i).padStart(8, '0')}`;
    add(registry, 'asset.registered', assetPayload(i, h));
    add(reviewer, 'asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    add(registry, 'certificate.issued', {
      certificateId: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      registrationNumber: rn,
      statusListIndex: i,
      revocationList: 'https://registry.example/status/revocation',
      suspensionList: 'https://registry.example/status/suspension',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
      subjectHash: subjectHash(certificateSubject(state.assets.get(rn) as AssetState)),
    });
    add(h, 'licence.granted', {
      licenceId: `L-${i}`,
      registrationNumber: rn,
      licensee: { id: did(to), foreign: false },
      purpose: 'credit-assessment',
      scope: ['read', 'analyse'],
      term: { from: '2026-01-01T00:00:00Z', until: '2026-12-31T00:00:00Z' },
      sublicensable: false,
      fee: { amount: '1000.00', currency: 'CNY' },
    });
    add(h, 'asset.transferred', { registrationNumber: rn, to: { id: did(to), foreign: false }, price: { amount: '250000.00', currency: 'CNY' } });
  }
  return out;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // 1. verifyCredential vs raw Ed25519 verify, over 256 distinct credentials.
  const vm = verificationMethodOf(registry.publicKey);
  const issuerKey = keyObject(registry.publicKey);
  const creds: JsonObject[] = [];
  const raw: { msg: Uint8Array; sig: Uint8Array }[] = [];
  for (let i = 0; i < 256; i++) {
    const vc = signCredential(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        type: ['VerifiableCredential', 'DataAssetCertificate'],
        issuer: did(registry),
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
        credentialSubject: {
          id: did(holders[0] as KeyPair),
          registrationNumber: `DA-2026-${i}`,
          name: '企业用电数据',
          classification: 'general',
          rowCount: 1000 + i,
        },
      },
      { secretKey: registry.secretKey, verificationMethod: vm, created: '2026-01-01T00:00:00Z' },
    );
    creds.push(vc);
    // the anchor verifies the same signature over the same 64-byte hash data
    const { proof, ...doc } = vc;
    const { proofValue, ...options } = proof;
    raw.push({ msg: concatBytes(sha256(canonicalBytes(options)), sha256(canonicalBytes(doc))), sig: fromBase58btc(proofValue.slice(1)) });
  }
  let i = 0;
  let j = 0;
  rows.push(
    await measurePair(SUITE, {
      name: 'verifyCredential (eddsa-jcs-2022, did:key)',
      fn: () => {
        if (!verifyCredential(creds[i++ & 255]).verified) throw new Error('bench credential did not verify');
      },
      anchor: 'node:crypto Ed25519 verify',
      anchorFn: () => {
        const r = raw[j++ & 255] as { msg: Uint8Array; sig: Uint8Array };
        if (!rawVerify(null, r.msg, issuerKey, r.sig)) throw new Error('bench signature did not verify');
      },
      note: 'same 256 credentials; goal ratio ≥ 0.7',
    }),
  );

  // 1b. verifyCredential beside digitalbazaar's eddsa-jcs-2022 verifier (jsonld-signatures with
  // DataIntegrityProof), on the same credentials, did:key documents served from memory.
  const mb = publicKeyToMultibase(registry.publicKey);
  const didDocs: Record<string, unknown> = {
    [vm]: { '@context': 'https://w3id.org/security/multikey/v1', id: vm, type: 'Multikey', controller: did(registry), publicKeyMultibase: mb },
    [did(registry)]: {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did(registry),
      assertionMethod: [vm],
      verificationMethod: [{ id: vm, type: 'Multikey', controller: did(registry), publicKeyMultibase: mb }],
    },
  };
  const documentLoader = async (url: string): Promise<{ contextUrl: null; documentUrl: string; document: unknown }> => {
    const document = didDocs[url];
    if (document === undefined) throw new Error(`bench: no document ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
  const dbSuite = new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });
  const dbPurpose = new jsigs.purposes.AssertionProofPurpose();
  let k = 0;
  rows.push(
    await measurePair(SUITE, {
      name: 'verifyCredential (eddsa-jcs-2022, did:key), async-wrapped',
      fn: async () => {
        if (!verifyCredential(creds[k++ & 255]).verified) throw new Error('bench credential did not verify');
      },
      anchor: 'digitalbazaar eddsa-jcs-2022-cryptosuite via jsonld-signatures verify',
      anchorFn: async () => {
        const r = await jsigs.verify(creds[k++ & 255], { suite: dbSuite, purpose: dbPurpose, documentLoader });
        if (r.verified !== true) throw new Error('bench credential did not verify (digitalbazaar)');
      },
      note: 'same 256 credentials; goal ratio ≥ 2',
    }),
  );

  // 2. verifyCertificate with inclusion proof, checkpoint and both status lists.
  const log = await Log.open(memoryStore(), { origin: 'registry.example/bench', logKey: { secretKey: kp(99).secretKey } });
  let state = emptyRegistryState();
  const submit = async (by: KeyPair, type: string, payload: Record<string, unknown>): Promise<LedgerRecord> => {
    const r = buildRecord(log.head(), { type, payload: payload as never, time: new Date(Date.UTC(2026, 0, 1) + log.size * 1000).toISOString() }, by);
    state = applyRecord(state, r);
    await log.append(r);
    return r;
  };
  for (const r of makeLedger(2000)) {
    // re-chain the generated records onto this log
    await submit([root, registry, reviewer, regulator, ...holders].find((k) => did(k) === r.actor) as KeyPair, r.type, r.payload as Record<string, unknown>);
  }
  const { subject, payload } = prepareCertificate(state, {
    registrationNumber: 'DA-2026-00000007',
    certificateId: 'urn:uuid:7a1c0f7e-3b7d-4c1e-9a55-0c1d2e3f4a5b',
    statusListIndex: 100_000,
    revocationList: 'https://registry.example/status/revocation',
    suspensionList: 'https://registry.example/status/suspension',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
  });
  const issued = await submit(registry, 'certificate.issued', payload as unknown as Record<string, unknown>);
  const checkpoint = await log.checkpoint();
  const cert = issueCertificate({
    subject,
    issued: { record: issued, proof: await log.inclusionProof(issued.index) },
    checkpoint,
    secretKey: registry.secretKey,
    created: '2026-01-01T00:00:00Z',
  });
  const statusList = statusListCredentialsFromState(state, { secretKey: registry.secretKey, validFrom: '2026-01-01T00:00:00Z', ttl: 366 * 86_400_000 });
  const at = new Date('2026-06-01T00:00:00Z');
  const opts = { trustedLogKeys: [log.verifierKey], trustedIssuers: [did(registry)], statusList, at };
  const check = verifyCertificate(cert, opts);
  if (!check.verified) throw new Error(`bench certificate did not verify: ${JSON.stringify(check.checks)}`);
  const recordKey = keyObject(registry.publicKey);
  const { proof: cproof, ...cdoc } = cert;
  const { proofValue: cpv, ...coptions } = cproof;
  const certMsg = concatBytes(sha256(canonicalBytes(coptions)), sha256(canonicalBytes(cdoc)));
  const certSig = fromBase58btc(cpv.slice(1));
  const { sig: rsig, ...unsignedRecord } = issued;
  const recMsg = canonicalBytes(unsignedRecord);
  const recSig = fromBase64Url(rsig);
  rows.push(
    await measurePair(SUITE, {
      name: 'verifyCertificate (proof, checkpoint, record, inclusion, status)',
      fn: () => {
        if (!verifyCertificate(cert, opts).verified) throw new Error('bench certificate did not verify');
      },
      anchor: 'node:crypto Ed25519 verify ×2 (proof + record)',
      anchorFn: () => {
        if (!rawVerify(null, certMsg, issuerKey, certSig) || !rawVerify(null, recMsg, recordKey, recSig)) throw new Error('bench signature did not verify');
      },
      note: `tree of ${log.size} records; status lists of 131,072 entries (decoded once, cached by identity); checkpoint note verification cached`,
    }),
  );
  await log.close();

  // 3. registry replay vs raw Ed25519 verify of the same records.
  const ledger = makeLedger(5000);
  const keys = new Map<string, KeyObject>();
  const prepared = ledger.map((r) => {
    const { sig, ...unsigned } = r;
    let k = keys.get(r.actor);
    if (k === undefined) {
      k = keyObject([root, registry, reviewer, regulator, ...holders].find((x) => did(x) === r.actor)!.publicKey);
      keys.set(r.actor, k);
    }
    return { msg: canonicalBytes(unsigned), sig: fromBase64Url(sig), key: k };
  });
  rows.push(
    await measurePair(SUITE, {
      name: 'registry replay (schema + rules), records/s',
      fn: () => {
        if (replayRegistry(ledger).size !== ledger.length) throw new Error('replay incomplete');
      },
      anchor: 'node:crypto Ed25519 verify of the same records',
      anchorFn: () => {
        for (const p of prepared) if (!rawVerify(null, p.msg, p.key, p.sig)) throw new Error('bad signature');
      },
      unitsPerOp: ledger.length,
      time: 2000,
      iterations: 5,
      note: `${ledger.length} records: registrations, reviews, certificates, licences, transfers`,
    }),
  );
  return rows;
}
