/**
 * Exchange flow: a data asset is registered, reviewed, valued and certified on the ledger,
 * its holder licenses it, and a data exchange verifies the certificate offline.
 *
 *   npm run example:exchange-flow
 *
 * Everything runs on this machine: a ledger service on 127.0.0.1 (an ephemeral port, a
 * temporary data directory) and one `DataLedgerClient` per party, each signing with its own
 * key. The exchange's check at the end uses no network: the certificate carries its own
 * inclusion proof, checkpoint and the issuer's role grant; the exchange needs only the log's
 * published key and the status lists the service serves (signed by that same log key).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { didKeyFromPublicKey, generateKeyPair, sha256, toHex, utf8Encode } from '@dataledger/core';
import { verifyCertificate } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, openService } from '@dataledger/service';

const say = (line: string): void => console.log(line);
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

// --- the ledger service (the registration centre runs it) ---------------------------------
const dataDir = await mkdtemp(join(tmpdir(), 'dataledger-exchange-'));
const service = await openService({ dataDir });
const app = await buildApp({ service });
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const publishedLogKey = service.logVerifierKey; // published out of band (website, gazette)
say(`ledger service at ${baseUrl}; log key ${publishedLogKey}`);

try {
  // --- the parties ------------------------------------------------------------------------
  const party = (name: string) => {
    const keys = generateKeyPair();
    const did = didKeyFromPublicKey(keys.publicKey);
    return { name, did, keys, client: new DataLedgerClient({ baseUrl, signer: { secretKey: keys.secretKey } }) };
  };
  const registry = party('Provincial Data Registration Centre');
  const reviewer = party('Data Compliance Review Office');
  const appraiser = party('Huaxin Data Asset Appraisal Co.');
  const holder = party('Municipal Transport Bureau');
  const bank = party('City Commercial Bank');

  // The root authority (named in the genesis record) grants the roles.
  const rootSecret = service.rootAuthority.secretKey;
  if (rootSecret === null) throw new Error('the root key is needed to grant roles');
  const root = new DataLedgerClient({ baseUrl, signer: { secretKey: rootSecret } });
  const grants = await root.submitBatch([
    { type: 'role.granted', payload: { subject: registry.did, role: 'registry' } },
    { type: 'role.granted', payload: { subject: reviewer.did, role: 'reviewer' } },
    { type: 'role.granted', payload: { subject: appraiser.did, role: 'appraiser' } },
    { type: 'role.granted', payload: { subject: holder.did, role: 'holder' } },
    { type: 'role.granted', payload: { subject: bank.did, role: 'holder' } },
  ]);
  say(`roles granted: registry, reviewer, appraiser, holder ×2 (records ${grants[0]!.index}–${grants.at(-1)!.index})`);

  // --- register (登记) → review (合规审查) → value (评估) ------------------------------------
  const now = Date.now();
  const rn = 'DL-G-2026-0001';
  const registered = await registry.client.submit('asset.registered', {
    registrationNumber: rn,
    name: 'Bus route timetables and stop locations',
    holder: { id: holder.did, foreign: false, name: holder.name },
    source: { department: holder.name, authorisationBasis: 'Provincial Public Data Regulation art. 14' },
    classification: 'general',
    rights: ['holding', 'processing-and-use', 'product-operation'],
    fingerprint: toHex(sha256(utf8Encode('bus-timetables-2026.parquet'))),
    fingerprintOf: 'data',
    rowCount: 184_220,
    updateFrequency: 'daily',
    validity: { from: iso(now - DAY), until: iso(now + 3 * 365 * DAY) },
    subjectIdentified: false,
    subjects: [],
  });
  say(`registered ${rn} at index ${registered.index}`);
  await reviewer.client.submit('asset.reviewed', {
    registrationNumber: rn,
    outcome: 'approved',
    opinion: 'Collection basis and desensitisation verified.',
  });
  await appraiser.client.submit('asset.valued', {
    registrationNumber: rn,
    valuation: { amount: '260000.00', currency: 'CNY', method: 'income' },
  });
  say('reviewed (approved) and valued at 260000.00 CNY');

  // --- certify ------------------------------------------------------------------------------
  // One call: the registry reads the asset, takes a status slot, logs the certificate.issued
  // record, fetches the role evidence (the genesis and its own role grant, proven against the
  // same checkpoint), signs the credential and publishes it on the service.
  const { certificate, receipt: issued } = await registry.client.issueCertificate({
    registrationNumber: rn,
    certificateId: 'urn:uuid:6f1c2a7e-2b4d-4c1e-9a77-0d5e3f0b1a01',
    validFrom: iso(now - DAY),
    validUntil: iso(now + 2 * 365 * DAY),
  });
  say(`certificate ${String(certificate['id'])} issued (record ${issued.index}, checkpoint of ${issued.treeSize} records)`);

  // --- license (授权使用) -------------------------------------------------------------------
  const licence = await holder.client.submit('licence.granted', {
    licenceId: `LIC-${rn}-1`,
    registrationNumber: rn,
    licensee: { id: bank.did, foreign: false, name: bank.name },
    purpose: 'credit risk modelling',
    scope: ['query', 'statistical-analysis'],
    term: { from: iso(now - DAY), until: iso(now + 365 * DAY) },
    sublicensable: false,
    fee: { amount: '18000.00', currency: 'CNY' },
  });
  say(`licence LIC-${rn}-1 granted to ${bank.name} at index ${licence.index}`);

  // --- the exchange, online once ---------------------------------------------------------------
  // It fetches the certificate the service publishes and the status lists it names (signed by
  // the log key; fresh for their ttl), then needs no network.
  const exchange = new DataLedgerClient({ baseUrl });
  const published = await exchange.getCertificate(String(certificate['id']));
  const statusLists = await exchange.statusListsFor(published);
  const certificateJson = JSON.stringify(published);

  // --- the exchange, offline ----------------------------------------------------------------
  await app.close();
  await service.close();
  say('ledger service stopped: the exchange verifies with no network');
  const presented = JSON.parse(certificateJson) as unknown;
  const result = verifyCertificate(presented, { trustedLogKeys: [publishedLogKey], statusList: statusLists });
  for (const check of result.checks) say(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.code === undefined ? '' : ` ${check.code}`}`);
  say(`exchange: certificate verified offline: ${result.verified}`);

  // A certificate whose subject was altered after issuance is refused.
  const forged = JSON.parse(certificateJson) as { credentialSubject: Record<string, unknown> };
  forged.credentialSubject['rowCount'] = 9_999_999;
  const refused = verifyCertificate(forged, { trustedLogKeys: [publishedLogKey], statusList: statusLists });
  say(
    `exchange: altered certificate verified: ${refused.verified} (${refused.checks
      .filter((c) => !c.ok)
      .map((c) => c.code)
      .join(', ')})`,
  );
  if (!result.verified || refused.verified) process.exitCode = 1;
} finally {
  if (app.server.listening) await app.close();
  await service.close().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}
