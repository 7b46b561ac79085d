/**
 * Encrypted statistics across five data holders (隐私计算): each holder encrypts its monthly
 * figures under the job's public key, the service adds ciphertexts it cannot read, and only
 * the key holder decrypts the total — once at least `minContributors` have contributed.
 * Every step is a ledger record carrying hashes and counts, never data.
 *
 *   npm run example:encrypted-statistics
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { didKeyFromPublicKey, generateKeyPair, isDataLedgerError } from '@dataledger/core';
import { createJobKeys, decryptAggregate, encryptContribution, meanOf, type AggregationJob } from '@dataledger/aggregation';
import { buildApp, DataLedgerClient, openService } from '@dataledger/service';

const say = (line: string): void => console.log(line);
const dataDir = await mkdtemp(join(tmpdir(), 'dataledger-statistics-'));
const service = await openService({ dataDir });
const app = await buildApp({ service });
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

try {
  const party = (name: string) => {
    const keys = generateKeyPair();
    return { name, did: didKeyFromPublicKey(keys.publicKey), client: new DataLedgerClient({ baseUrl, signer: { secretKey: keys.secretKey } }), keys };
  };
  const exchange = party('Provincial Data Exchange');
  const holders = [
    party('Municipal Transport Bureau'),
    party('Municipal Health Commission'),
    party('Natural Resources Department'),
    party('Market Regulation Bureau'),
    party('State Grid Provincial Power Co.'),
  ];
  const rootSecret = service.rootAuthority.secretKey;
  if (rootSecret === null) throw new Error('the root key is needed to grant roles');
  const root = new DataLedgerClient({ baseUrl, signer: { secretKey: rootSecret } });
  await root.submitBatch([
    { type: 'role.granted', payload: { subject: exchange.did, role: 'exchange' } },
    ...holders.map((h) => ({ type: 'role.granted', payload: { subject: h.did, role: 'holder' } })),
  ]);

  // 1. The exchange opens the job: its parameters and public key are public; the secret key
  //    stays on the exchange's machine.
  const job: AggregationJob = { id: 'energy-use-2026', scheme: 'bfv', length: 12, maxAbsValue: 1_000_000, maxContributors: 50, minContributors: 5 };
  const keys = await createJobKeys(job);
  const opened = await exchange.client.openAggregationJob(job, keys.publicKey);
  say(`job ${job.id} opened (record ${opened.index}): 12 monthly values per holder, at least ${job.minContributors} holders`);

  // 2. Each holder encrypts locally and submits only ciphertexts.
  const plain: bigint[][] = [];
  const submitted: Awaited<ReturnType<typeof encryptContribution>>[] = [];
  for (const [i, h] of holders.entries()) {
    const values = Array.from({ length: 12 }, (_, m) => BigInt(800 + i * 150 + m * 25 + ((i * 7 + m * 13) % 40)));
    plain.push(values);
    const contribution = await encryptContribution(job, keys.publicKey, values, { secretKey: h.keys.secretKey });
    submitted.push(contribution);
    const receipt = await h.client.contribute(job.id, contribution);
    say(`  ${h.name}: contribution logged at index ${receipt.index}`);
    if (i === 2) {
      // Before the fifth holder the result is not released.
      try {
        await exchange.client.aggregationResult(job.id);
        say('  result available too early!');
      } catch (err) {
        say(`  result before ${job.minContributors} holders: refused (${isDataLedgerError(err) ? err.code : String(err)})`);
      }
    }
  }

  // 3. The exchange fetches the encrypted sum and decrypts it on its own machine.
  const result = await exchange.client.aggregationResult(job.id);
  //    Passing the public contributions makes the key holder recompute the sum itself, so an
  //    aggregator cannot pad the contributor list to get one holder's input decrypted alone.
  const release = await decryptAggregate(job, keys.secretKey, result, { publicKey: keys.publicKey, contributions: submitted });
  const expected = plain.reduce((acc, v) => acc.map((x, m) => x + (v[m] as bigint)), Array<bigint>(12).fill(0n));
  say(`decrypted total of ${release.count} holders: ${release.sum.join(', ')}`);
  say(`mean per holder in January: ${meanOf(release.sum[0] as bigint, release.count)}`);
  const exact = release.sum.every((v, m) => v === expected[m]);
  say(`equals the plaintext sum: ${exact}`);
  // The release serialises as it is (sums as decimal strings: they can exceed 2^53).
  say(`as JSON: ${JSON.stringify(release)}`);

  // 4. The release is a ledger record too (hash of the released sum, number of contributors).
  const released = await exchange.client.releaseAggregation(job.id, result);
  say(`release recorded at index ${released.index}`);
  if (!exact) process.exitCode = 1;
} finally {
  await app.close();
  await service.close();
  await rm(dataDir, { recursive: true, force: true });
}
