/**
 * The checks a submission passes before it may wait in the append queue (signature, payload
 * schema, role gate; DESIGN.md "Who may write each record type"), on a real LevelDB ledger:
 * junk is refused without touching the queue, and a pre-chained batch that grants a role and
 * then uses it is not refused for the role it grants itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, generateKeyPair } from '@dataledger/core';
import { concealPayload, disclosureDigest as digestOf } from '@dataledger/certificates';
import { buildChain, buildRecord, type ChainDraft, type LedgerRecord } from '@dataledger/provenance';
import { openService, type DataDirService } from '../src/open.ts';
import { codeOf } from '../../../test/support/codes.ts';
import { assetPayload } from '../../../test/support/fixtures.ts';

let dir: string;
let service: DataDirService;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dataledger-precheck-'));
  service = await openService({ dataDir: join(dir, 'data') });
});
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const actor = (): { secretKey: Uint8Array; did: string } => {
  const k = generateKeyPair();
  return { secretKey: k.secretKey, did: didKeyFromPublicKey(k.publicKey) };
};

// The one asset fixture (test/support/fixtures.ts), held by `holder`, its confidential members
// concealed (DESIGN.md "Confidential payloads"); their disclosures go beside the record.
const disclosures: string[] = [];
function asset(rn: string, holder: string): Record<string, unknown> {
  const c = concealPayload('asset.registered', assetPayload(rn, { did: holder }));
  disclosures.push(...c.disclosures);
  return c.payload;
}
/** The disclosures made for the records of `records` (by digest). */
function disclosuresFor(records: readonly LedgerRecord[]): string[] {
  const text = JSON.stringify(records);
  return disclosures.filter((d) => text.includes(digestOf(d)));
}

function chain(drafts: { type: string; payload: Record<string, unknown>; signer: { secretKey: Uint8Array } }[]): LedgerRecord[] {
  return buildChain(service.log.head(), drafts as ChainDraft[]);
}

describe('checks before the queue', () => {
  it('a pre-chained batch may grant a role and use it', async () => {
    const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
    const registry = actor();
    const holder = actor();
    const size = service.size;
    const receipts = await service.submit(
      chain([
        { type: 'role.granted', payload: { subject: registry.did, role: 'registry' }, signer: root },
        { type: 'asset.registered', payload: asset('PRE-1', holder.did), signer: registry },
      ]),
      disclosures.splice(0),
    );
    expect(receipts.map((r) => r.index)).toEqual([size, size + 1]);
  });

  it('a role granted, used across other records and revoked within one batch gates every later record of it', async () => {
    const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
    const registry = actor();
    const holder = actor();
    const size = service.size;
    const grantAndUse = chain([
      { type: 'role.granted', payload: { subject: registry.did, role: 'registry' }, signer: root },
      { type: 'asset.registered', payload: asset('PRE-2', holder.did), signer: registry },
      { type: 'asset.registered', payload: asset('PRE-3', holder.did), signer: registry },
      { type: 'role.revoked', payload: { subject: registry.did, role: 'registry' }, signer: root },
      { type: 'asset.registered', payload: asset('PRE-4', holder.did), signer: registry },
    ]);
    const err = await service.submit(grantAndUse, disclosures.splice(0)).then(
      () => null,
      (e: unknown) => e,
    );
    // Refused before the queue, at the record after the revocation; nothing of the batch landed.
    expect(err).toMatchObject({ code: 'REGISTRY_UNAUTHORISED', details: { index: size + 4 } });
    expect(service.size).toBe(size);
  });

  it('a writer without the role, a bad payload or a bad signature is refused at once, behind the head too', async () => {
    const stranger = actor();
    const size = service.size;
    const stale = { size: 1, lastLeafHash: service.log.head().lastLeafHash };
    const unauthorised = buildRecord(stale, { type: 'asset.registered', payload: asset('PRE-2', stranger.did) as never }, stranger);
    expect(await codeOf(service.submit([unauthorised], disclosuresFor([unauthorised])))).toBe('REGISTRY_UNAUTHORISED');
    const badPayload = buildRecord(stale, { type: 'role.granted', payload: { subject: stranger.did, role: 'emperor' } as never }, stranger);
    expect(await codeOf(service.submit([badPayload]))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(await codeOf(service.submit([{ ...unauthorised, sig: 'A'.repeat(86) }], disclosuresFor([unauthorised])))).toBe('LEDGER_SIGNATURE_INVALID');
    expect(service.size).toBe(size);
  });

  it('a record already in the log is answered with its receipt, even when its writer has lost the role since', async () => {
    const root = { secretKey: service.rootAuthority.secretKey as Uint8Array };
    const registry = actor();
    const holder = actor();
    const [grant, registered] = chain([
      { type: 'role.granted', payload: { subject: registry.did, role: 'registry' }, signer: root },
      { type: 'asset.registered', payload: asset('PRE-3', holder.did), signer: registry },
    ]) as [LedgerRecord, LedgerRecord];
    const [, first] = await service.submit([grant, registered], disclosuresFor([registered]));
    await service.submit(chain([{ type: 'role.revoked', payload: { subject: registry.did, role: 'registry' }, signer: root }]));
    const [again] = await service.submit([registered], disclosuresFor([registered]));
    expect(again).toEqual(first);
  });
});
