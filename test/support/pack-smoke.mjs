// Plain JavaScript, run by test/pack-install.test.ts inside an empty project where the packed
// @dataledger/* tarballs are installed: what a platform developer writes first. It imports the
// packages by name only (their `exports`: compiled ESM in dist/) and prints one JSON report on
// stdout; the test holds the expectations (taken from the contract, not from this script).
//
//   node pack-smoke.mjs DATA_DIR '[[1,2,3],[10,20,30],[-5,100,7]]'
import { join } from 'node:path';
import { didKeyFromPublicKey, ed25519Backend, fromBase64, generateKeyPair, sha256, toHex, utf8Encode } from '@dataledger/core';
import { Log, buildRecord, openLevelStore, verifyInclusion } from '@dataledger/provenance';
import { issueCertificate, prepareCertificate, statusListCredentialsFromState, verifyCertificate } from '@dataledger/certificates';
import { Aggregator, createJobKeys, decryptAggregate, encryptContribution } from '@dataledger/aggregation';
import { DataLedgerClient, buildApp, openService } from '@dataledger/service';

const [dataDir, vectorsJson] = process.argv.slice(2);
// Which Ed25519 backend the installed core loaded (libsodium's addon from the tarball's dependency).
const report = { ed25519: ed25519Backend.name };

// 1. A Log on LevelDB: append records, prove one is included, and catch a forged proof.
{
  const logKey = generateKeyPair();
  const actor = generateKeyPair();
  const log = await Log.open(await openLevelStore(join(dataDir, 'log')), { origin: 'pack-smoke.example/log', logKey });
  const appended = [];
  for (let i = 0; i < 5; i++) {
    const record = buildRecord(log.head(), { type: 'note.added', payload: { n: i } }, actor);
    appended.push(await log.append(record));
  }
  const target = appended[2];
  const proof = await log.inclusionProof(target.index);
  const root = log.head().rootHash;
  const forged = proof.map((h, i) => (i === 0 ? sha256(h) : h));
  report.log = {
    size: log.size,
    indexes: appended.map((a) => a.index),
    proofLength: proof.length,
    included: verifyInclusion({ leafHash: target.leafHash, index: target.index, treeSize: log.size, proof, root }),
    forgedIncluded: verifyInclusion({ leafHash: target.leafHash, index: target.index, treeSize: log.size, proof: forged, root }),
  };
  await log.close();
}

// 2. A certificate: the service (LevelDB in DATA_DIR, HTTP on 127.0.0.1) logs the asset's
//    registration, review and valuation; the registry issues the VC; a verifier checks it
//    offline against the published log key, and an altered copy is refused.
{
  const service = await openService({ dataDir: join(dataDir, 'service') });
  const app = await buildApp({ service });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const party = () => {
      const keys = generateKeyPair();
      return { keys, did: didKeyFromPublicKey(keys.publicKey), client: new DataLedgerClient({ baseUrl, signer: { secretKey: keys.secretKey } }) };
    };
    const [registry, reviewer, appraiser, holder] = [party(), party(), party(), party()];
    const root = new DataLedgerClient({ baseUrl, signer: { secretKey: service.rootAuthority.secretKey } });
    const grants = await root.submitBatch([
      { type: 'role.granted', payload: { subject: registry.did, role: 'registry' } },
      { type: 'role.granted', payload: { subject: reviewer.did, role: 'reviewer' } },
      { type: 'role.granted', payload: { subject: appraiser.did, role: 'appraiser' } },
      { type: 'role.granted', payload: { subject: holder.did, role: 'holder' } },
    ]);
    const now = Date.now();
    const day = 86_400_000;
    const iso = (ms) => new Date(ms).toISOString();
    const rn = 'DL-G-2026-0042';
    await registry.client.submit('asset.registered', {
      registrationNumber: rn,
      name: 'Air quality hourly readings',
      holder: { id: holder.did, foreign: false, name: 'Municipal Ecology Bureau' },
      source: { department: 'Municipal Ecology Bureau', authorisationBasis: 'Public Data Regulation art. 14' },
      classification: 'general',
      rights: ['holding', 'processing-and-use'],
      fingerprint: toHex(sha256(utf8Encode('air-quality-2026.csv'))),
      fingerprintOf: 'data',
      rowCount: 8760,
      updateFrequency: 'hourly',
      validity: { from: iso(now - day), until: iso(now + 365 * day) },
      subjectIdentified: false,
      subjects: [],
    });
    await reviewer.client.submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'No personal data.' });
    await appraiser.client.submit('asset.valued', { registrationNumber: rn, valuation: { amount: '50000.00', currency: 'CNY', method: 'cost' } });
    const { subject, payload } = prepareCertificate(service.registry(), {
      registrationNumber: rn,
      certificateId: 'urn:uuid:0b8f7c3e-5d2a-4f61-9c1e-7a4d2b6e8f10',
      statusListIndex: 0,
      revocationList: 'https://registry.example/status/revocation/1',
      suspensionList: 'https://registry.example/status/suspension/1',
      validFrom: iso(now - day),
      validUntil: iso(now + 365 * day),
    });
    const issued = await registry.client.submit('certificate.issued', payload);
    const proofAt = async (index) => (await registry.client.inclusionProof({ index, treeSize: issued.treeSize })).proof.map((h) => fromBase64(h));
    const grant = grants[0].record;
    const certificate = issueCertificate({
      subject,
      issued: { record: issued.record, proof: issued.inclusionProof.map((h) => fromBase64(h)) },
      checkpoint: issued.checkpoint,
      roleEvidence: {
        genesis: { record: await registry.client.record(0), proof: await proofAt(0) },
        grant: { record: grant, proof: await proofAt(grant.index) },
      },
      secretKey: registry.keys.secretKey,
    });
    const statusList = statusListCredentialsFromState(service.registry(), { secretKey: registry.keys.secretKey });
    const presented = JSON.parse(JSON.stringify(certificate));
    const verdict = verifyCertificate(presented, { trustedLogKeys: [service.logVerifierKey], statusList });
    const altered = JSON.parse(JSON.stringify(certificate));
    altered.credentialSubject.rowCount = 1;
    const alteredVerdict = verifyCertificate(altered, { trustedLogKeys: [service.logVerifierKey], statusList });
    const stranger = verifyCertificate(presented, { trustedLogKeys: [], statusList });
    report.certificate = {
      type: certificate.type,
      cryptosuite: certificate.proof?.cryptosuite,
      verified: verdict.verified,
      failed: verdict.checks.filter((c) => !c.ok).map((c) => c.code),
      alteredVerified: alteredVerdict.verified,
      untrustedLogVerified: stranger.verified,
    };
  } finally {
    await app.close();
    await service.close();
  }
}

// 3. Encrypted statistics (node-seal, BFV): three holders encrypt, an aggregator folds the
//    ciphertexts on a worker thread, the key holder decrypts the sum.
{
  const vectors = JSON.parse(vectorsJson).map((v) => v.map(BigInt));
  const job = { id: 'pack-smoke-sum', scheme: 'bfv', length: vectors[0].length, maxAbsValue: 1000, maxContributors: 10, minContributors: 3 };
  const keys = await createJobKeys(job);
  const aggregator = await Aggregator.create(job, keys.publicKey, { threads: 1 });
  try {
    for (const values of vectors) await aggregator.add(await encryptContribution(job, keys.publicKey, values, { secretKey: generateKeyPair().secretKey }));
    const release = await decryptAggregate(job, keys.secretKey, await aggregator.result());
    report.aggregation = { count: release.count, sum: release.sum.map(String) };
  } finally {
    await aggregator.close();
  }
}

process.stdout.write(`${JSON.stringify(report)}\n`);
