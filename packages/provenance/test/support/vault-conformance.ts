/**
 * The DisclosureVault conformance suite: every implementation runs the same checks of the
 * contract in `src/vault.ts`. Importable so that vaults in other packages
 * (`@dataledger/store-postgres`) run it too. Digests are computed here with node:crypto, from
 * the definition (RFC 9901 §4.2.3: base64url of SHA-256 over the disclosure's ASCII bytes), and
 * one entry is the RFC's own example.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import type { DisclosureVault } from '../../src/index.ts';

/** Makes a fresh, empty vault; `reopen` (durable vaults only) opens the same storage again. */
export type MakeVault = () => Promise<{ vault: DisclosureVault; reopen?: () => Promise<DisclosureVault> }>;

/** One vault entry. */
export interface Entry {
  digest: string;
  disclosure: string;
}

/** RFC 9901 §4.2.3: the disclosure of `family_name: "Möbius"` and its SHA-256 digest, as printed there. */
export const RFC9901_EXAMPLE: Entry = {
  disclosure: 'WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0',
  digest: 'X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0',
};

/** The digest of a disclosure, by its definition (RFC 9901 §4.2.3). */
export function digestOf(disclosure: string): string {
  return createHash('sha256').update(disclosure, 'ascii').digest('base64url');
}

/** A disclosure (RFC 9901 §4.2.1: base64url of the JSON `[salt, name, value]`, 16-byte salt) and its digest. */
export function entry(name: string, value: unknown): Entry {
  const disclosure = Buffer.from(JSON.stringify([randomBytes(16).toString('base64url'), name, value]), 'utf8').toString('base64url');
  return { digest: digestOf(disclosure), disclosure };
}

/** A disclosure of exactly `length` base64url characters (its content need not decode). */
function ofLength(length: number): Entry {
  const disclosure = randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length);
  return { digest: digestOf(disclosure), disclosure };
}

/** ASCII byte order of digests, as the contract lists them. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'ascii'), Buffer.from(b, 'ascii'));
}

async function all(vault: DisclosureVault): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of vault.entries()) out.push({ digest: e.digest, disclosure: e.disclosure });
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (isDataLedgerError(e) ? e.code : `other: ${String(e)}`),
  );
}

/**
 * Registers the conformance suite for one DisclosureVault implementation.
 * @param name - the implementation's name, shown in the test titles
 * @param make - opens a fresh, empty vault for each test
 */
export function describeVaultConformance(name: string, make: MakeVault): void {
  describe(`DisclosureVault conformance: ${name}`, () => {
    it('answers what was put, by digest (the RFC 9901 example among them)', async () => {
      const { vault } = await make();
      const a = entry('holder.name', 'Ada Lovelace');
      expect(await vault.getMany([RFC9901_EXAMPLE.digest, a.digest])).toEqual([undefined, undefined]);
      await vault.put([RFC9901_EXAMPLE, a]);
      expect(await vault.getMany([RFC9901_EXAMPLE.digest, a.digest])).toEqual([RFC9901_EXAMPLE.disclosure, a.disclosure]);
      await vault.close();
    });

    it('answers getMany in the order asked, undefined for unknown digests, repeats included', async () => {
      const { vault } = await make();
      const [a, b, c] = [entry('valuation', { amount: '1.00' }), entry('description', 'b'), entry('price', 'c')];
      const unknown = entry('fee', 'never stored').digest;
      await vault.put([a!, b!, c!]);
      expect(await vault.getMany([c!.digest, unknown, a!.digest, b!.digest, a!.digest])).toEqual([
        c!.disclosure,
        undefined,
        a!.disclosure,
        b!.disclosure,
        a!.disclosure,
      ]);
      expect(await vault.getMany([])).toEqual([]);
      await vault.close();
    });

    it('stores an entry once however often it is put (content addressing)', async () => {
      const { vault } = await make();
      const a = entry('opinion', 'sound');
      const b = entry('subjects', ['did:key:z6MkExample']);
      await vault.put([a, a]);
      await vault.put([a, b]);
      await vault.put([]);
      expect(await all(vault)).toEqual([a, b].sort((x, y) => byteOrder(x.digest, y.digest)));
      await vault.close();
    });

    it('lists every entry in ascending digest order, across many pages', async () => {
      const { vault } = await make();
      const entries = Array.from({ length: 2500 }, (_, i) => entry('description', `asset ${i}`));
      await vault.put(entries.slice(0, 1200));
      await vault.put(entries.slice(1200));
      const listed = await all(vault);
      expect(listed.map((e) => e.digest)).toEqual(entries.map((e) => e.digest).sort(byteOrder));
      const byDigest = new Map(entries.map((e) => [e.digest, e.disclosure]));
      for (const e of listed) expect(e.disclosure).toBe(byDigest.get(e.digest));
      await vault.close();
    });

    it('erases: getMany answers undefined and entries omits them; erase is idempotent', async () => {
      const { vault } = await make();
      const [a, b, c] = [entry('holder.name', 'A'), entry('holder.name', 'B'), entry('holder.name', 'C')];
      await vault.put([a!, b!, c!]);
      const unknown = entry('fee', 'x').digest;
      await vault.erase([a!.digest, unknown, c!.digest, a!.digest]);
      expect(await vault.getMany([a!.digest, b!.digest, c!.digest])).toEqual([undefined, b!.disclosure, undefined]);
      expect(await all(vault)).toEqual([b]);
      await vault.erase([a!.digest]);
      await vault.erase([]);
      expect(await vault.getMany([a!.digest, b!.digest])).toEqual([undefined, b!.disclosure]);
      // The vault does not remember erasures: putting the entry again stores it again.
      await vault.put([a!]);
      expect(await vault.getMany([a!.digest])).toEqual([a!.disclosure]);
      await vault.close();
    });

    it('refuses a malformed digest on put with VAULT_ENTRY_INVALID, storing nothing of the batch', async () => {
      const { vault } = await make();
      const good = entry('valuation', { amount: '5' });
      const d = good.digest;
      const bad = [
        d.slice(0, 42), // 42 characters
        `${d}A`, // 44 characters
        `${d.slice(0, 42)}=`, // padding
        `${d.slice(0, 42)}+`, // standard base64, not base64url
        `${d.slice(0, 42)}/`,
        `${d.slice(0, 42)}\u00e9`, // not ASCII
        Buffer.from(createHash('sha256').update(good.disclosure, 'ascii').digest()).toString('hex'), // hex, not base64url
      ];
      for (const digest of bad) {
        expect(await codeOf(vault.put([good, { digest, disclosure: good.disclosure }])), digest).toBe('VAULT_ENTRY_INVALID');
      }
      for (const malformed of [null, 'x', { digest: d }, { disclosure: good.disclosure }, { digest: d, disclosure: 42 }]) {
        expect(await codeOf(vault.put([good, malformed as unknown as Entry]))).toBe('VAULT_ENTRY_INVALID');
      }
      expect(await vault.getMany([d])).toEqual([undefined]);
      expect(await all(vault)).toEqual([]);
      await vault.close();
    });

    it('refuses a digest that is not the SHA-256 of its disclosure, and a disclosure that is not base64url', async () => {
      const { vault } = await make();
      const [a, b] = [entry('price', { amount: '10' }), entry('price', { amount: '11' })];
      expect(await codeOf(vault.put([{ digest: a!.digest, disclosure: b!.disclosure }]))).toBe('VAULT_ENTRY_INVALID');
      // The digest of the standard-base64 (padded) spelling is over other bytes.
      const padded = Buffer.from(a!.disclosure, 'base64url').toString('base64');
      expect(await codeOf(vault.put([{ digest: a!.digest, disclosure: padded }]))).toBe('VAULT_ENTRY_INVALID');
      // Characters outside base64url are refused even with their own digest.
      for (const text of [padded, 'a b', '', 'ab\ncd', 'ab.cd']) {
        expect(await codeOf(vault.put([{ digest: digestOf(text), disclosure: text }])), JSON.stringify(text)).toBe('VAULT_ENTRY_INVALID');
      }
      expect(await all(vault)).toEqual([]);
      await vault.close();
    });

    it('refuses a disclosure over 16 KiB with VAULT_ENTRY_TOO_LARGE', async () => {
      const { vault } = await make();
      const largest = ofLength(16 * 1024);
      const over = ofLength(16 * 1024 + 1);
      expect(await codeOf(vault.put([largest, over]))).toBe('VAULT_ENTRY_TOO_LARGE');
      expect(await vault.getMany([largest.digest])).toEqual([undefined]);
      await vault.put([largest]);
      expect(await vault.getMany([largest.digest])).toEqual([largest.disclosure]);
      await vault.close();
    });

    it('refuses a malformed digest on getMany and erase with VAULT_ENTRY_INVALID', async () => {
      const { vault } = await make();
      const a = entry('opinion', 'kept');
      await vault.put([a]);
      for (const digest of ['', a.digest.slice(1), `${a.digest}=`, 'not a digest', 7 as unknown as string]) {
        expect(await codeOf(vault.getMany([a.digest, digest]))).toBe('VAULT_ENTRY_INVALID');
        expect(await codeOf(vault.erase([a.digest, digest]))).toBe('VAULT_ENTRY_INVALID');
      }
      // A refused erase erases nothing.
      expect(await vault.getMany([a.digest])).toEqual([a.disclosure]);
      await vault.close();
    });

    it('rejects operations after close with STORE_CLOSED; close is idempotent', async () => {
      const { vault } = await make();
      const a = entry('fee', { amount: '1' });
      await vault.close();
      await vault.close();
      expect(await codeOf(vault.put([a]))).toBe('STORE_CLOSED');
      expect(await codeOf(vault.getMany([a.digest]))).toBe('STORE_CLOSED');
      expect(await codeOf(vault.erase([a.digest]))).toBe('STORE_CLOSED');
      expect(await codeOf(all(vault))).toBe('STORE_CLOSED');
    });

    it('persists entries and erasures across reopen when durable', async () => {
      const { vault, reopen } = await make();
      if (reopen === undefined) return await vault.close(); // memory: nothing to persist
      const [a, b, c] = [entry('holder.name', 'kept'), entry('holder.name', 'erased'), entry('valuation', { amount: '3' })];
      await vault.put([a!, b!, c!]);
      await vault.close();
      const second = await reopen();
      expect(await second.getMany([a!.digest, b!.digest, c!.digest])).toEqual([a!.disclosure, b!.disclosure, c!.disclosure]);
      await second.erase([b!.digest]);
      await second.close();
      const third = await reopen();
      expect(await third.getMany([a!.digest, b!.digest, c!.digest])).toEqual([a!.disclosure, undefined, c!.disclosure]);
      expect(await all(third)).toEqual([a, c].sort((x, y) => byteOrder(x!.digest, y!.digest)));
      await third.close();
    });
  });
}
