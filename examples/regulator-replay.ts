/**
 * Regulator replay (监管): a regulator downloads the whole ledger as a bundle, and on its own
 * machine verifies it against the log's published key, audits every registry rule and
 * produces the statistics report (统计报告) — then shows that an edited bundle is caught.
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
import { auditBundle } from '@dataledger/certificates';
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

  // 3. Audit every rule and build the statistics report from the same bytes.
  const audit = await auditBundle(createReadStream(bundle), { trustedLogKeys: [publishedLogKey] });
  say(`audit: valid=${audit.valid} records=${audit.records} violations=${audit.violations.length}`);
  process.stdout.write(formatStatistics(audit.statistics));

  // 4. The service's own statistics report (a signed read, regulator role) agrees with the replay.
  const served = (await client.statisticsReport()) as { assets?: { total?: number } };
  say(`service statistics agree: ${served.assets?.total === audit.statistics.assets.total}`);

  // 5. Someone edits a registration's row count in the downloaded bundle (a valuation is on
  //    the log as a digest only): the replay names the record.
  const lines = (await readFile(bundle, 'utf8')).split('\n');
  const at = lines.findIndex((l) => l.includes('"asset.registered"'));
  lines[at] = (lines[at] as string).replace(/"rowCount":(\d+)/, '"rowCount":9$1');
  const edited = join(work, 'edited.jsonl');
  await writeFile(edited, lines.join('\n'));
  const caught = await verifyBundle(createReadStream(edited), { trustedLogKeys: [publishedLogKey] });
  say(`edited bundle: valid=${caught.valid} code=${caught.code} firstBadIndex=${caught.firstBadIndex}`);
  if (!integrity.valid || !audit.valid || caught.valid) process.exitCode = 1;
} finally {
  await app.close();
  await service.close();
  await rm(work, { recursive: true, force: true });
}
