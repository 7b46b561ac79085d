/**
 * The demo ledger: a realistic public-data asset ledger written offline, through the same
 * library calls and the same append queue the service uses — roles, ~20 assets of each
 * classification, reviews, valuations, certificates, transfers, licences and a sub-licence,
 * a freeze, a cross-border approval, subject consent, and an encrypted statistics job across
 * five data holders.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { didKeyFromPublicKey, fromBase64, generateKeyPair, sha256, toHex, utf8Encode } from '@dataledger/core';
import { buildChain, type LedgerRecord, type RecordPayload } from '@dataledger/provenance';
import {
  concealPayload,
  formatDisclosuresText,
  issueCertificate,
  prepareCertificate,
  statusListCredentialsFromState,
  type Classification,
  type DataAssetCertificate,
  type RecordType,
  type RegistryState,
} from '@dataledger/certificates';
import { Aggregator, createJobKeys, decryptAggregate, encryptContribution, resolveJob, type AggregationJob } from '@dataledger/aggregation';
import type { DataDirService, Receipt } from '@dataledger/service';
import { formatKeyFile, writeSecretFile } from './keyfile.ts';
import { cliError } from './errors.ts';

/** A named demo identity. */
export interface DemoActor {
  name: string;
  did: string;
  secretKey: Uint8Array;
  foreign: boolean;
}

/** Options of {@link writeDemoLedger}. */
export interface DemoOptions {
  /** Assets per classification (default 20). */
  assetsPerClassification?: number;
  /** Run the encrypted statistics job (node-seal; default true). */
  statistics?: boolean;
  /** Where certificates, status lists, actor keys and the statistics result are written (default `<dataDir>/demo`). */
  outDir?: string;
  /** Progress messages. */
  log?: (line: string) => void;
}

/** What {@link writeDemoLedger} wrote. */
export interface DemoSummary {
  records: number;
  logVerifierKey: string;
  rootAuthority: string;
  actors: Record<string, string>;
  assets: Record<Classification, number>;
  certificates: { issued: number; revoked: number; suspended: number; files: string[] };
  statusLists: string;
  /**
   * The disclosures file of the ledger's confidential members (DESIGN.md "Disclosure policy"),
   * as `export --disclosures` writes it: give it to `verify`/`audit --disclosures`.
   */
  disclosures: string;
  licences: number;
  transfers: number;
  statistics: { jobId: string; contributors: number; sum: string[]; file: string } | null;
  outDir: string;
}

const DAY = 86_400_000;

/** Batches are submitted through the service's queue in chunks of this many records. */
const CHUNK = 100;

interface Draft {
  type: string;
  payload: RecordPayload;
  signer: DemoActor;
}

/**
 * Builds pre-chained records on the service's head and submits them through its append queue,
 * their confidential members concealed with the ledger's policy as any writer does (the
 * disclosures go with them, and are kept in `disclosures`).
 */
async function submit(service: DataDirService, disclosures: string[], drafts: readonly Draft[]): Promise<{ records: LedgerRecord[]; receipts: Receipt[] }> {
  const records: LedgerRecord[] = [];
  const receipts: Receipt[] = [];
  for (let from = 0; from < drafts.length; from += CHUNK) {
    const head = service.head();
    const lastLeafHash = head.lastLeafHash === '' ? null : fromBase64(head.lastLeafHash);
    const sent: string[] = [];
    const concealed = drafts.slice(from, from + CHUNK).map((d) => {
      const c = concealPayload(d.type as RecordType, d.payload, service.disclosurePolicy);
      sent.push(...c.disclosures);
      return { ...d, payload: c.payload as unknown as RecordPayload };
    });
    const chunk = buildChain({ size: head.size, lastLeafHash, lastTime: head.lastTime }, concealed);
    receipts.push(...(await service.submit(chunk, sent)));
    records.push(...chunk);
    disclosures.push(...sent);
  }
  return { records, receipts };
}

function actor(name: string, foreign = false): DemoActor {
  const { secretKey, publicKey } = generateKeyPair();
  return { name, did: didKeyFromPublicKey(publicKey), secretKey, foreign };
}

const party = (a: DemoActor): RecordPayload => ({ id: a.did, foreign: a.foreign, name: a.name });
const fingerprint = (text: string): string => toHex(sha256(utf8Encode(text)));
const iso = (ms: number): string => new Date(ms).toISOString();

const DATASETS: Record<Classification, string[]> = {
  general: [
    'Bus route timetables',
    'Public library lending statistics',
    'Park and green space inventory',
    'Weather station observations',
    'Business registration directory',
    'Tourist attraction visitor counts',
    'Public toilet locations',
    'School enrolment zones',
  ],
  important: [
    'Electricity consumption by enterprise',
    'Hospital bed occupancy',
    'Road traffic flow sensors',
    'Land parcel cadastre',
    'Water quality monitoring',
    'Port container throughput',
  ],
  core: ['Population register extracts', 'Critical infrastructure topology', 'Grid dispatch control data', 'Emergency reserve inventories'],
};
const REGIONS = ['Northern District', 'Southern District', 'East Bay', 'West Hills', 'Old Town', 'New Port', 'Riverside', 'High-tech Zone'];
const CLASS_PREFIX: Record<Classification, string> = { general: 'G', important: 'I', core: 'C' };

/**
 * Writes the demo ledger into an opened data directory (which must hold only its genesis
 * record) and the artefacts an exchange or a regulator would be handed: certificates, the
 * signed status lists, the statistics result, and the demo actors' keys (0600).
 * @param service - the opened data directory (see `openService`)
 * @param options - see {@link DemoOptions}
 * @returns a summary of what was written
 * @throws DataLedgerError `CLI_USAGE` when the ledger already holds records or the root key is offline;
 *   any registry / ledger code if a record is refused (a bug in the demo)
 */
export async function writeDemoLedger(service: DataDirService, options: DemoOptions = {}): Promise<DemoSummary> {
  const n = options.assetsPerClassification ?? 20;
  const log = options.log ?? ((): void => {});
  const outDir = options.outDir ?? join(service.dataDir, 'demo');
  if (service.size !== 1) throw cliError('CLI_USAGE', `${service.dataDir} already holds ${service.size} records; the demo needs a new data directory`);
  const rootSecret = service.rootAuthority.secretKey;
  /** Every disclosure of the ledger's confidential members, as written. */
  const kept: string[] = [];
  if (rootSecret === null) throw cliError('CLI_USAGE', 'the root authority key is not in the data directory; the demo needs it to grant roles');
  const root: DemoActor = { name: 'Root authority', did: service.rootAuthority.did, secretKey: rootSecret, foreign: false };
  const now = Date.now();

  // --- identities and roles -----------------------------------------------------------
  const registry = actor('Provincial Data Registration Centre');
  const regulator = actor('Provincial Big Data Administration');
  const reviewer = actor('Data Compliance Review Office');
  const appraiser = actor('Huaxin Data Asset Appraisal Co.');
  const exchange = actor('Provincial Data Exchange');
  const holders = [
    actor('Municipal Transport Bureau'),
    actor('Municipal Health Commission'),
    actor('Natural Resources Department'),
    actor('Market Regulation Bureau'),
    actor('State Grid Provincial Power Co.'),
  ];
  const bank = actor('City Commercial Bank');
  const analytics = actor('Logistics Analytics Ltd.');
  const overseas = actor('Overseas Urban Research Institute', true);
  const enterprise = actor('Jinghua Precision Manufacturing Co.');
  const actors = [registry, regulator, reviewer, appraiser, exchange, ...holders, bank, analytics, overseas, enterprise];

  const grants: Draft[] = [
    ...[
      [registry, 'registry'],
      [regulator, 'regulator'],
      [reviewer, 'reviewer'],
      [appraiser, 'appraiser'],
      [exchange, 'exchange'],
      ...holders.map((h) => [h, 'holder'] as const),
      [bank, 'holder'],
      [analytics, 'holder'],
      [overseas, 'holder'],
    ].map(([a, role]) => ({ type: 'role.granted', payload: { subject: (a as DemoActor).did, role: role as string }, signer: root })),
  ];
  const granted = await submit(service, kept, grants);
  const registryGrant = { record: granted.records[0] as LedgerRecord };
  log(`roles: ${grants.length} granted by the root authority`);

  // --- registration (登记), review (合规审查), valuation (评估) ---------------------------
  const classes: Classification[] = ['general', 'important', 'core'];
  const assets: Record<Classification, string[]> = { general: [], important: [], core: [] };
  const holderOf = new Map<string, DemoActor>();
  const registrations: Draft[] = [];
  for (const cls of classes) {
    for (let i = 0; i < n; i++) {
      const rn = `DL-${CLASS_PREFIX[cls]}-${String(i + 1).padStart(4, '0')}`;
      const base = DATASETS[cls][i % DATASETS[cls].length] as string;
      const region = REGIONS[Math.floor(i / DATASETS[cls].length) % REGIONS.length] as string;
      const holder = holders[(i + classes.indexOf(cls)) % holders.length] as DemoActor;
      // The grid company's record of one enterprise's electricity use: data about an identified subject.
      const identified = cls === 'important' && i === 0;
      const holderForAsset = identified ? (holders[4] as DemoActor) : holder;
      assets[cls].push(rn);
      holderOf.set(rn, holderForAsset);
      registrations.push({
        type: 'asset.registered',
        signer: registry,
        payload: {
          registrationNumber: rn,
          name: identified ? 'Electricity consumption of Jinghua Precision Manufacturing' : `${base} — ${region}`,
          holder: party(holderForAsset),
          source: {
            department: holderForAsset.name,
            authorisationBasis: `Provincial Public Data Regulation art. ${12 + (i % 9)}; collected in the course of statutory duties`,
          },
          classification: cls,
          rights: cls === 'core' ? ['holding'] : ['holding', 'processing-and-use', 'product-operation'],
          fingerprint: fingerprint(`${rn}|${base}|${region}|${now}`),
          fingerprintOf: i % 3 === 0 ? 'merkle-root' : 'data',
          rowCount: 10_000 + ((i * 7919 + classes.indexOf(cls) * 104_729) % 5_000_000),
          updateFrequency: (['daily', 'monthly', 'realtime', 'quarterly', 'yearly'] as const)[i % 5] as string,
          validity: { from: iso(now - 30 * DAY), until: iso(now + 3 * 365 * DAY) },
          subjectIdentified: identified,
          subjects: identified ? [enterprise.did] : [],
          description: `${cls} data held by ${holderForAsset.name}`,
        },
      });
    }
  }
  await submit(service, kept, registrations);
  log(`assets: ${3 * n} registered (${n} general, ${n} important, ${n} core)`);

  const rejected = new Set(classes.map((cls) => assets[cls][n - 1] as string));
  const reviews: Draft[] = classes.flatMap((cls) =>
    assets[cls].map(
      (rn): Draft => ({
        type: 'asset.reviewed',
        signer: reviewer,
        payload: rejected.has(rn)
          ? ({ registrationNumber: rn, outcome: 'rejected', opinion: 'Source authorisation basis does not cover onward provision; resubmit.' } as RecordPayload)
          : {
              registrationNumber: rn,
              outcome: 'approved',
              opinion: 'Collection basis, desensitisation and classification verified.',
              reportHash: fingerprint(`review|${rn}`),
            },
      }),
    ),
  );
  const valuations: Draft[] = [...assets.general, ...assets.important]
    .filter((rn) => !rejected.has(rn))
    .map((rn, i) => ({
      type: 'asset.valued',
      signer: appraiser,
      payload: {
        registrationNumber: rn,
        valuation: {
          amount: `${(50_000 + i * 12_345).toString()}.${String(i % 100).padStart(2, '0')}`,
          currency: 'CNY',
          method: (['cost', 'income', 'market'] as const)[i % 3] as string,
        },
        reportHash: fingerprint(`valuation|${rn}`),
      },
    }));
  await submit(service, kept, [...reviews, ...valuations]);
  log(`reviews: ${reviews.length} (${rejected.size} rejected); valuations: ${valuations.length}`);

  // --- certificates ---------------------------------------------------------------------
  const certifiable = [...assets.general.slice(0, Math.min(10, n - 1)), ...assets.important.slice(0, Math.min(5, n - 1))].filter((rn) => !rejected.has(rn));
  const revocationList = 'https://registry.example.gov.cn/status/revocation/1';
  const suspensionList = 'https://registry.example.gov.cn/status/suspension/1';
  const prepared = certifiable.map((rn, i) =>
    prepareCertificate(service.registry() as RegistryState, {
      registrationNumber: rn,
      certificateId: `urn:uuid:${uuidFrom(`${rn}|${now}`)}`,
      statusListIndex: i,
      revocationList,
      suspensionList,
      validFrom: iso(now - DAY),
      validUntil: iso(now + 2 * 365 * DAY),
    }),
  );
  const issued = await submit(
    service,
    kept,
    prepared.map((p) => ({ type: 'certificate.issued', payload: p.payload as unknown as RecordPayload, signer: registry })),
  );
  // Every certificate is proven against the checkpoint of the batch that logged it, with the
  // genesis and the registry's role grant proven against the same checkpoint (role evidence).
  const genesis = (await service.entries(0, 1))[0] as LedgerRecord;
  const grantIndex = registryGrant.record.index;
  const certificates: DataAssetCertificate[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const receipt = issued.receipts[i] as Receipt;
    const proofAt = async (index: number): Promise<Uint8Array[]> => service.inclusionProof(index, receipt.treeSize);
    certificates.push(
      issueCertificate({
        subject: (prepared[i] as { subject: Parameters<typeof issueCertificate>[0]['subject'] }).subject,
        issued: { record: issued.records[i] as LedgerRecord, proof: receipt.inclusionProof.map((h) => fromBase64(h)) },
        checkpoint: receipt.checkpoint,
        roleEvidence: {
          genesis: { record: genesis, proof: await proofAt(0) },
          grant: { record: registryGrant.record, proof: await proofAt(grantIndex) },
        },
        secretKey: registry.secretKey,
      }),
    );
  }
  const revokedCert = prepared.at(-1)?.payload.certificateId;
  const suspendedCert = prepared.at(-2)?.payload.certificateId;
  const statusChanges: Draft[] = [];
  if (revokedCert !== undefined) {
    statusChanges.push({
      type: 'certificate.revoked',
      signer: regulator,
      payload: { certificateId: revokedCert, reason: 'Valuation report withdrawn by the appraiser.' },
    });
  }
  if (suspendedCert !== undefined && suspendedCert !== revokedCert) {
    statusChanges.push({
      type: 'certificate.suspended',
      signer: registry,
      payload: { certificateId: suspendedCert, reason: 'Source department restructuring under review.' },
    });
  }
  await submit(service, kept, statusChanges);
  log(`certificates: ${certificates.length} issued, ${statusChanges.length} status changes`);

  // --- circulation (流通): transfers, licences, a sub-licence, consent, data customs ---------
  const circulable = assets.general.filter((rn) => !rejected.has(rn));
  const circulation: Draft[] = [];
  const m = circulable.length;
  const transfers = circulable.slice(Math.max(0, m - 6), Math.max(0, m - 3));
  for (const [k, rn] of transfers.entries()) {
    const from = holderOf.get(rn) as DemoActor;
    const to = holders.find((h) => h !== from) as DemoActor;
    circulation.push({
      type: 'asset.transferred',
      signer: from,
      payload: {
        registrationNumber: rn,
        to: party(to),
        price: { amount: `${120_000 + k * 5_000}.00`, currency: 'CNY' },
        contractHash: fingerprint(`contract|${rn}`),
      },
    });
    holderOf.set(rn, to);
  }
  const term = { from: iso(now - DAY), until: iso(now + 365 * DAY) };
  const licensed = circulable.slice(0, Math.min(6, circulable.length));
  let licences = 0;
  for (const [k, rn] of licensed.entries()) {
    const licensee = k % 2 === 0 ? bank : analytics;
    circulation.push({
      type: 'licence.granted',
      signer: holderOf.get(rn) as DemoActor,
      payload: {
        licenceId: `LIC-${rn}-${k + 1}`,
        registrationNumber: rn,
        licensee: party(licensee),
        purpose: k % 2 === 0 ? 'credit risk modelling' : 'route optimisation research',
        scope: ['query', 'statistical-analysis'],
        term,
        sublicensable: k === 0,
        fee: { amount: `${8_000 + k * 1_500}.00`, currency: 'CNY' },
      },
    });
    licences += 1;
  }
  // The bank sub-licenses its first licence to the analytics firm, within purpose, scope and term.
  const first = licensed[0];
  if (first !== undefined) {
    circulation.push({
      type: 'licence.granted',
      signer: bank,
      payload: {
        licenceId: `LIC-${first}-1-SUB1`,
        registrationNumber: first,
        licensee: party(analytics),
        purpose: 'credit risk modelling',
        scope: ['statistical-analysis'],
        term: { from: term.from, until: iso(now + 180 * DAY) },
        sublicensable: false,
        parentLicenceId: `LIC-${first}-1`,
      },
    });
    licences += 1;
  }
  // 确权授权: the enterprise consents that the grid company's record of its electricity use be
  // used by the bank for a loan assessment; only then may the holder license it.
  const identifiedAsset = assets.important[0];
  if (identifiedAsset !== undefined && !rejected.has(identifiedAsset)) {
    circulation.push({
      type: 'consent.granted',
      signer: enterprise,
      payload: {
        consentId: `CONSENT-${identifiedAsset}-1`,
        registrationNumber: identifiedAsset,
        licensee: bank.did,
        purpose: 'loan assessment',
        until: iso(now + 365 * DAY),
      },
    });
    circulation.push({
      type: 'licence.granted',
      signer: holderOf.get(identifiedAsset) as DemoActor,
      payload: {
        licenceId: `LIC-${identifiedAsset}-LOAN`,
        registrationNumber: identifiedAsset,
        licensee: party(bank),
        purpose: 'loan assessment',
        scope: ['query'],
        term: { from: term.from, until: iso(now + 90 * DAY) },
        sublicensable: false,
      },
    });
    licences += 1;
  }
  // 数据出境: important data to a foreign party, only after the regulator's approval.
  const crossborderAsset = assets.important[1];
  if (crossborderAsset !== undefined && !rejected.has(crossborderAsset)) {
    circulation.push({
      type: 'crossborder.approved',
      signer: regulator,
      payload: { registrationNumber: crossborderAsset, party: overseas.did, purpose: 'joint urban mobility study', until: iso(now + 180 * DAY) },
    });
    circulation.push({
      type: 'licence.granted',
      signer: holderOf.get(crossborderAsset) as DemoActor,
      payload: {
        licenceId: `LIC-${crossborderAsset}-XB`,
        registrationNumber: crossborderAsset,
        licensee: party(overseas),
        purpose: 'joint urban mobility study',
        scope: ['statistical-analysis'],
        term: { from: term.from, until: iso(now + 180 * DAY) },
        sublicensable: false,
      },
    });
    licences += 1;
  }
  // One licence revoked by its licensor.
  const revokedLicence = licensed[1];
  if (revokedLicence !== undefined) {
    circulation.push({
      type: 'licence.revoked',
      signer: holderOf.get(revokedLicence) as DemoActor,
      payload: { licenceId: `LIC-${revokedLicence}-2`, reason: 'Licensee breached the agreed scope.' },
    });
  }
  // 监管: a freeze (and one freeze lifted), an administrative change and a cancellation.
  const frozen = circulable[m - 3];
  const thawed = circulable[m - 2];
  for (const rn of [frozen, thawed]) {
    if (rn !== undefined)
      circulation.push({
        type: 'asset.frozen',
        signer: regulator,
        payload: { registrationNumber: rn, reason: 'Suspected unlawful collection under investigation.' },
      });
  }
  if (thawed !== undefined)
    circulation.push({ type: 'asset.unfrozen', signer: regulator, payload: { registrationNumber: thawed, reason: 'Investigation closed without findings.' } });
  const changed = circulable[m - 1];
  if (changed !== undefined) {
    circulation.push({
      type: 'asset.changed',
      signer: registry,
      payload: { registrationNumber: changed, changes: { updateFrequency: 'weekly', description: 'Update cycle changed by the source department.' } },
    });
  }
  const cancelled = assets.core[0];
  if (cancelled !== undefined)
    circulation.push({
      type: 'asset.cancelled',
      signer: regulator,
      payload: { registrationNumber: cancelled, reason: 'Superseded by a consolidated register.' },
    });
  await submit(service, kept, circulation);
  log(`circulation: ${transfers.length} transfers, ${licences} licences (one sub-licence), consent, cross-border approval, freeze, change, cancellation`);

  // --- encrypted statistics (隐私计算) -----------------------------------------------------
  let statistics: DemoSummary['statistics'] = null;
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  if (options.statistics !== false) {
    const job: AggregationJob = {
      id: `energy-by-month-${new Date(now).getUTCFullYear()}`,
      scheme: 'bfv',
      length: 12,
      maxAbsValue: 10_000_000n,
      maxContributors: 16,
      minContributors: 5,
    };
    const resolved = resolveJob(job);
    const keys = await createJobKeys(job);
    await submit(service, kept, [
      {
        type: 'aggregation.opened',
        signer: exchange,
        payload: {
          jobId: job.id,
          jobHash: toHex(resolved.hash),
          minContributors: job.minContributors,
          maxContributors: job.maxContributors,
          publicKeyHash: toHex(sha256(keys.publicKey)),
        },
      },
    ]);
    const aggregator = await Aggregator.create(job, keys.publicKey);
    try {
      const contributed: Draft[] = [];
      for (const [h, holder] of holders.entries()) {
        // Each holder's monthly energy use (MWh) — only ciphertexts leave the holder.
        const values = Array.from({ length: 12 }, (_, m) => BigInt(1_000 + h * 250 + m * 37 + ((h * 31 + m * 17) % 90)));
        const contribution = await encryptContribution(job, keys.publicKey, values, { secretKey: holder.secretKey });
        const receipt = await aggregator.add(contribution);
        contributed.push({
          type: 'aggregation.contributed',
          signer: holder,
          payload: { jobId: job.id, contributionHash: toHex(fromBase64(receipt.hash)), count: 1 },
        });
      }
      await submit(service, kept, contributed);
      const result = await aggregator.result();
      const release = await decryptAggregate(job, keys.secretKey, result);
      await submit(service, kept, [
        {
          type: 'aggregation.released',
          signer: exchange,
          payload: { jobId: job.id, resultHash: toHex(fromBase64(result.sumHash)), contributors: release.count },
        },
      ]);
      const file = join(outDir, 'statistics.json');
      const sum = release.sum.map((v) => v.toString());
      await writeFile(
        file,
        `${JSON.stringify({ job: { ...job, maxAbsValue: job.maxAbsValue.toString() }, contributors: holders.map((h) => h.did), released: { count: release.count, sum } }, null, 2)}\n`,
      );
      statistics = { jobId: job.id, contributors: release.count, sum, file };
      log(`encrypted statistics: job ${job.id}, ${release.count} holders, sum released`);
    } finally {
      await aggregator.close();
    }
  }

  // --- artefacts --------------------------------------------------------------------------
  const certDir = join(outDir, 'certificates');
  await mkdir(certDir, { recursive: true });
  const files: string[] = [];
  for (const [i, cert] of certificates.entries()) {
    const rn = certifiable[i] as string;
    const file = join(certDir, `${rn}.json`);
    await writeFile(file, `${JSON.stringify(cert, null, 2)}\n`);
    files.push(file);
  }
  const statusLists = join(outDir, 'status-lists.json');
  const lists = statusListCredentialsFromState(service.registry() as RegistryState, {
    secretKey: registry.secretKey,
    validFrom: iso(now - DAY),
    validUntil: iso(now + 30 * DAY),
    // An offline demo: the lists stay usable for their whole validity (Bitstring Status List §2.2 ttl).
    ttl: 31 * DAY,
  });
  await writeFile(statusLists, `${JSON.stringify(lists)}\n`);
  const keyDir = join(outDir, 'keys');
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const names: Record<string, string> = {};
  for (const a of actors) {
    const slug = a.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    names[a.name] = a.did;
    await writeSecretFile(join(keyDir, `${slug}.json`), formatKeyFile(a.secretKey), true);
  }
  await writeFile(join(outDir, 'actors.json'), `${JSON.stringify(names, null, 2)}\n`);
  // The values the public log conceals: readable by the demo's owner only.
  const disclosures = join(outDir, 'ledger.disclosures');
  await writeFile(disclosures, formatDisclosuresText(kept), { mode: 0o600 });

  return {
    records: service.size,
    logVerifierKey: service.logVerifierKey,
    rootAuthority: root.did,
    actors: names,
    assets: { general: n, important: n, core: n },
    certificates: {
      issued: certificates.length,
      revoked: revokedCert === undefined ? 0 : 1,
      suspended: suspendedCert !== undefined && suspendedCert !== revokedCert ? 1 : 0,
      files,
    },
    statusLists,
    disclosures,
    licences,
    transfers: transfers.length,
    statistics,
    outDir,
  };
}

/** A UUID-shaped identifier derived from a string (RFC 9562 layout, version 8: custom). */
function uuidFrom(text: string): string {
  const h = toHex(sha256(utf8Encode(text)))
    .slice(0, 32)
    .split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
