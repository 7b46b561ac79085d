/**
 * The write path reveals each concealed payload once (DESIGN.md "Confidential payloads"): the
 * edge checks the disclosures against the digests and puts the values back, and the registry's
 * checks further down (the precheck and `applyRecord`) take that revealed payload from the
 * edge, as the log takes the signature the edge checked. Every rule still runs on the full
 * payload: a record whose rules need a concealed member is accepted only with its disclosure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const counts = vi.hoisted(() => ({ reveal: 0, applied: [] as { index: number; revealed: unknown }[] }));

// The service's own calls into certificates are counted here: `revealPayload` (the edge and
// the precheck) and `applyRecord` with the payload it was handed (applyRecord reveals inside
// certificates when it is handed none, which this mock cannot count, so the test checks that
// it is handed one).
vi.mock('@dataledger/certificates', async (importOriginal) => {
  const certificates = await importOriginal<typeof import('@dataledger/certificates')>();
  return {
    ...certificates,
    revealPayload: (...args: Parameters<typeof certificates.revealPayload>) => {
      counts.reveal++;
      return certificates.revealPayload(...args);
    },
    applyRecord: (...args: Parameters<typeof certificates.applyRecord>) => {
      counts.applied.push({ index: args[1].index, revealed: args[2]?.revealed?.payload });
      return certificates.applyRecord(...args);
    },
  };
});

import { didKeyFromPublicKey, generateKeyPair } from '@dataledger/core';
import { buildChain, buildRecord, type VerifiedRecord } from '@dataledger/provenance';
import { concealPayload, disclosureMap, type RecordType } from '@dataledger/certificates';
import { openService, type DataDirService } from '../src/index.ts';
import { checkDisclosures, revealedAtEdge } from '../src/disclosures.ts';
import { assetPayload } from '../../../test/support/fixtures.ts';

let dir: string;
let service: DataDirService;
const registry = generateKeyPair();
const holder = generateKeyPair();
const did = (k: { publicKey: Uint8Array }): string => didKeyFromPublicKey(k.publicKey);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dataledger-reveal-once-'));
  service = await openService({ dataDir: join(dir, 'data') });
  const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
  for (const [k, role] of [
    [registry, 'registry'],
    [holder, 'holder'],
  ] as const) {
    await service.submit([buildRecord(service.log.head(), { type: 'role.granted', payload: { subject: did(k), role } }, root)]);
  }
});
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An asset registration with every confidential member present (holder name, valuation, description, subjects). */
function fullAsset(rn: string): Record<string, unknown> {
  return assetPayload(
    rn,
    { did: did(holder) },
    {
      holder: { id: did(holder), foreign: false, name: 'Grid Data Co.' },
      valuation: { amount: '1250000.00', currency: 'CNY', method: 'cost' },
      description: 'hourly consumption by district',
    },
  ) as Record<string, unknown>;
}

describe('the write path reveals a concealed payload once', () => {
  it('the edge hands each record on with its payload revealed: the full payload the writer concealed', () => {
    const type: RecordType = 'asset.registered';
    const full = fullAsset('DA-EDGE-1');
    const c = concealPayload(type, full);
    const record = buildRecord(service.log.head(), { type, payload: c.payload }, registry);
    const map = checkDisclosures([{ record } as VerifiedRecord], c.disclosures, service.disclosurePolicy);
    const revealed = revealedAtEdge(map, record);
    expect(revealed?.payload).toEqual(full);
    expect(revealed?.hidden).toEqual([]);
    expect([...map.keys()].sort()).toEqual([...disclosureMap(c.disclosures).keys()].sort());
    // Another record (even an equal copy) is not matched: the edge's result is this record's.
    expect(revealedAtEdge(map, { ...record })).toBeUndefined();
  });

  it('a pre-chained submission of concealed records reveals each payload once, and every rule runs on the full payload', async () => {
    const type: RecordType = 'asset.registered';
    const rns = ['DA-ONCE-1', 'DA-ONCE-2', 'DA-ONCE-3'];
    const concealed = rns.map((rn) => concealPayload(type, fullAsset(rn)));
    const records = buildChain(
      service.log.head(),
      concealed.map((c) => ({ type, payload: c.payload, signer: registry })),
    );
    const before = counts.reveal;
    counts.applied.length = 0;
    const receipts = await service.submit(
      records,
      concealed.flatMap((c) => c.disclosures),
    );
    expect(receipts.map((r) => r.index)).toEqual(records.map((r) => r.index));
    expect(counts.reveal - before).toBe(records.length);
    // The registry applied each record once, to the payload the edge revealed: the full one.
    expect(counts.applied).toEqual(records.map((r, i) => ({ index: r.index, revealed: fullAsset(rns[i] as string) })));
  });

  it('without its disclosures the same record is refused (the rules need the concealed members)', async () => {
    const type: RecordType = 'asset.registered';
    const c = concealPayload(type, fullAsset('DA-ONCE-4'));
    const record = buildRecord(service.log.head(), { type, payload: c.payload }, registry);
    await expect(service.submit([record], [])).rejects.toMatchObject({ code: 'DISCLOSURE_MISSING' });
    const size = service.log.head().size;
    await service.submit([record], c.disclosures);
    expect(service.log.head().size).toBe(size + 1);
  });
});
