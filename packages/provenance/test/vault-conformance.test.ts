/**
 * DisclosureVault conformance: one suite (test/support/vault-conformance.ts), every
 * implementation in this package (memory-level, LevelDB on disk); and for LevelDB, that an
 * erased disclosure leaves no byte of itself in the vault's files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import { memoryVault, openLevelVault } from '../src/index.ts';
import { tempDir } from './support/fixtures.ts';
import { describeVaultConformance, entry, type MakeVault } from './support/vault-conformance.ts';

const dirs: { remove: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function newDir(): string {
  const d = tempDir('dl-vault-');
  dirs.push(d);
  return d.path;
}

const implementations: [string, MakeVault][] = [
  ['memory', async () => ({ vault: memoryVault() })],
  [
    'level',
    async () => {
      const path = newDir();
      return { vault: await openLevelVault(path), reopen: () => openLevelVault(path) };
    },
  ],
];

for (const [name, make] of implementations) describeVaultConformance(name, make);

/** The names of the files under `dir` whose raw bytes contain `marker` (ASCII). */
function filesContaining(dir: string, marker: string): string[] {
  const needle = Buffer.from(marker, 'ascii');
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isFile() && readFileSync(file).includes(needle)) found.push(name);
  }
  return found;
}

/** Disclosures of random text: nothing for the table compression to shorten. */
function entries(n: number): ReturnType<typeof entry>[] {
  return Array.from({ length: n }, (_, i) => entry('description', `asset ${i} ${Math.random().toString(36)}`));
}

describe('openLevelVault: erasure removes the bytes from disk', () => {
  it('erases a disclosure that is still in the write-ahead log (put, then erase before any flush)', async () => {
    const path = newDir();
    const vault = await openLevelVault(path);
    const others = entries(20);
    const secret = entry('holder.name', 'Grace Hopper, the one to erase');
    await vault.put([...others.slice(0, 10), secret, ...others.slice(10)]);
    // Before the erase the disclosure is on disk (the test can see it): in the log file.
    expect(filesContaining(path, secret.disclosure)).not.toEqual([]);
    await vault.erase([secret.digest]);
    await vault.close();
    expect(filesContaining(path, secret.disclosure)).toEqual([]);
    // The other disclosures are still there, on disk and through a reopen.
    for (const e of others) expect(filesContaining(path, e.disclosure)).not.toEqual([]);
    const again = await openLevelVault(path);
    expect(await again.getMany([secret.digest, ...others.map((e) => e.digest)])).toEqual([undefined, ...others.map((e) => e.disclosure)]);
    await again.close();
  });

  it('erases a disclosure that sits in table files, after several reopens and later writes', async () => {
    const path = newDir();
    const secret = entry('holder.name', 'Katherine Johnson, the one to erase');
    const batches = [entries(300), entries(300), entries(300)];
    let vault = await openLevelVault(path);
    await vault.put(batches[0]!);
    await vault.put([secret]);
    await vault.close();
    // Each reopen turns the write-ahead log into a table file; put twice, so two versions exist.
    for (const batch of batches.slice(1)) {
      vault = await openLevelVault(path);
      await vault.put([...batch, secret]);
      await vault.close();
    }
    expect(filesContaining(path, secret.disclosure).some((f) => f.endsWith('.ldb'))).toBe(true);
    vault = await openLevelVault(path);
    await vault.erase([secret.digest, batches[0]![0]!.digest]);
    await vault.close();
    expect(filesContaining(path, secret.disclosure)).toEqual([]);
    expect(filesContaining(path, batches[0]![0]!.disclosure)).toEqual([]);
    vault = await openLevelVault(path);
    expect(await vault.getMany([secret.digest, batches[2]![7]!.digest])).toEqual([undefined, batches[2]![7]!.disclosure]);
    await vault.close();
  });

  it('refuses a directory locked by another open vault with STORE_IO', async () => {
    const path = newDir();
    const first = await openLevelVault(path);
    const err = await openLevelVault(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
    await first.close();
  });
});
