/**
 * Child process of the crash test: appends batches to a LevelDB log forever, printing
 * `ack <last index> <base64 leaf hash>` after each batch is acknowledged, until killed.
 * Usage: node crash-writer.ts <dir> <seed>
 */
import { keyPairFromSeed, toBase64 } from '@dataledger/core';
import { buildChain, Log, openLevelStore } from '../../src/index.ts';

const [dir, seedText] = process.argv.slice(2);
let seed = Number(seedText ?? 1) >>> 0 || 1;
const rand = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const actors = [1, 2, 3].map((n) => keyPairFromSeed(new Uint8Array(32).fill(n)));
const log = await Log.open(await openLevelStore(dir!), {
  origin: 'crash.example/ledger',
  logKey: keyPairFromSeed(new Uint8Array(32).fill(200)),
});
process.stdout.write(`ready ${log.size}\n`);
for (;;) {
  const count = 1 + Math.floor(rand() * 25);
  const size = log.size;
  const batch = buildChain(
    log.head(),
    Array.from({ length: count }, (_, i) => ({
      type: 'crash.test',
      payload: { n: size + i, pad: 'x'.repeat(Math.floor(rand() * 400)) },
      signer: actors[(size + i) % 3]!,
    })),
  );
  const results = await log.appendBatch(batch);
  const last = results[results.length - 1]!;
  // Pipes are written synchronously on Linux: the parent sees this line before the next batch starts.
  process.stdout.write(`ack ${last.index} ${toBase64(last.leafHash)}\n`);
}
