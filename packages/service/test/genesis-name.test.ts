/**
 * The genesis record a new data directory writes must pass the registry rules: its ledger
 * name is public free text (README "Desensitisation"). A default origin whose 16 hex digits
 * read as a mobile number once broke every later write (the root authority was never
 * recorded); a given name the rules refuse is refused before anything is written.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findIdentifiers } from '@dataledger/certificates';
import { DEFAULT_ORIGIN, defaultLedgerName, openService } from '../src/open.ts';

const work = await mkdtemp(join(tmpdir(), 'dataledger-genesis-name-'));
afterAll(() => rm(work, { recursive: true, force: true }));

describe('ledger name of a new ledger', () => {
  it('is the origin, unless the origin reads as an identifier or is too long for a name', () => {
    const phoneLike = 'dataledger.local/log/a13812345678bcde';
    // The premise: the public-text guard does see a mobile number in that origin.
    expect(findIdentifiers(phoneLike).map((f) => f.category)).toEqual(['phone']);
    expect(defaultLedgerName(phoneLike)).toBe(DEFAULT_ORIGIN);
    expect(defaultLedgerName(`example.org/${'x'.repeat(300)}`)).toBe(DEFAULT_ORIGIN);
    expect(defaultLedgerName('dataledger.local/log/3f2a9c0e51b7d4a6')).toBe('dataledger.local/log/3f2a9c0e51b7d4a6');
  });

  it('opens a ledger whose root may grant roles, with an origin that reads as a mobile number', async () => {
    const dataDir = join(work, 'phone-origin');
    const service = await openService({ dataDir, origin: 'example.org/log/a13812345678bcde' });
    try {
      const state = service.registry();
      expect(state.rootAuthority).toBe(service.rootAuthority.did);
      expect(state.ledgerName).toBe(DEFAULT_ORIGIN);
      expect(service.replaySkipped).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('refuses a given name with an unmasked mobile number, and writes nothing', async () => {
    const dataDir = join(work, 'pii-name');
    await expect(openService({ dataDir, ledgerName: 'ledger of 138 1234 5678' })).rejects.toMatchObject({ code: 'REGISTRY_PUBLIC_PII' });
    await expect(readdir(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a given name longer than 200 characters, and writes nothing', async () => {
    const dataDir = join(work, 'long-name');
    await expect(openService({ dataDir, ledgerName: 'n'.repeat(201) })).rejects.toMatchObject({ code: 'REGISTRY_PAYLOAD_INVALID' });
    await expect(readdir(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
