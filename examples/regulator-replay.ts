/**
 * Regulator replay (监管): a regulator downloads the whole ledger as a bundle, and on its own
 * machine verifies it against the log's published key, audits every registry rule and
 * produces the statistics report (统计报告) — then shows that an edited bundle is caught.
 * Confidential members (holder names, valuations, data subjects…) are on the log as digests;
 * the regulator reads their disclosures from the service and checks every rule with them.
 *
 *   npm run example:regulator-replay
 *
 * The ledger is the demo ledger (`dataledger demo` writes the same, larger), served on
 * 127.0.0.1 from a temporary data directory.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@dataledger/provenance';
import { auditBundle, disclosureMap } from '@dataledger/certificates';
import { buildApp, DataLedgerClient, openService } from '@dataledger/service';
import { formatStatistics, readKeyFile, writeDemoLedger } from '@dataledger/cli';

const say = (line: string): void => console.log(line);
const work = await mkdtemp(join(tmpdir(), 'dataledger-regulator-'));

// --- the operator's side: a ledger with some history, served over HTTP ---------------------
const service = await openService({ dataDir: join(work, 'data') });
const demo = await writeDemoLedger(service, { assetsPerClassification: 6, statistics: false });
const app = await buildApp({ service });
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const publishedLogKey = service.logVerifierKey; // the regulator has this from an official channel
say(`ledger of ${demo.records} records served at ${baseUrl}`);

try {
  // --- the regulator's side -----------------------------------------------------------------
  const regulatorKey = await readKeyFile(join(demo.outDir, 'keys', 'provincial-big-data-administration.json'));
  const client = new DataLedgerClient({ baseUrl, signer: { secretKey: regulatorKey.secretKey } });

  // 1. Download the bundle (header, every record, the signed checkpoint).
  const bundle = join(work, 'ledger.jsonl');
  await writeFile(bundle, await client.exportBundleText());
  say(`downloaded ${bundle}`);

  // 2. Replay it offline: every signature, prev link and index, and the Merkle root against a
  //    checkpoint that must be signed by the published key.
  const integrity = await verifyBundle(createReadStream(bundle), { trustedLogKeys: [publishedLogKey] });
  say(`verify: valid=${integrity.valid} size=${integrity.size} logKey=${integrity.logKey}`);

  // 3. Without the disclosures, the replay checks every rule that needs only public members and
  //    lists the others as not checked (never as passed).
  const publicOnly = await auditBundle(createReadStream(bundle), { trustedLogKeys: [publishedLogKey] });
  say(`audit without disclosures: valid=${publicOnly.valid} complete=${publicOnly.complete} rules not checked=${publicOnly.unchecked.length}`);

  // 4. The regulator reads the disclosures of the bundle's records (a signed read), each checked
  //    against its digest, and audits every rule; the statistics report comes from the same bytes.
  const disclosures = disclosureMap(await client.exportDisclosures(integrity.size));
  const audit = await auditBundle(createReadStream(bundle), { trustedLogKeys: [publishedLogKey], disclosures });
  say(`audit: valid=${audit.valid} complete=${audit.complete} records=${audit.records} violations=${audit.violations.length}`);
  process.stdout.write(formatStatistics(audit.statistics));

  // 5. The service's own statistics report (a signed read, regulator role) agrees with the replay.
  const served = (await client.statisticsReport()) as { assets?: { total?: number } };
  say(`service statistics agree: ${served.assets?.total === audit.statistics.assets.total}`);

  // 6. Someone swaps a valuation's digest in the downloaded bundle (to pass off another
  //    value): the replay names the record.
  const lines = (await readFile(bundle, 'utf8')).split('\n');
  const at = lines.findIndex((l) => l.includes('"asset.valued"'));
  lines[at] = (lines[at] as string).replace(/"_sd":\["(.)/, (_m, c: string) => `"_sd":["${c === 'A' ? 'B' : 'A'}`);
  const edited = join(work, 'edited.jsonl');
  await writeFile(edited, lines.join('\n'));
  const caught = await verifyBundle(createReadStream(edited), { trustedLogKeys: [publishedLogKey] });
  say(`edited bundle: valid=${caught.valid} code=${caught.code} firstBadIndex=${caught.firstBadIndex}`);
  if (!integrity.valid || !audit.valid || !audit.complete || caught.valid) process.exitCode = 1;
} finally {
  await app.close();
  await service.close();
  await rm(work, { recursive: true, force: true });
}
