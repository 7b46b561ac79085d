/**
 * Desensitisation over real HTTP (certificates README "Desensitisation (masking table)"): a
 * record carrying a resident ID number or mobile number in clear in a public member is refused
 * (422 `REGISTRY_PUBLIC_PII`, the member named, the value not echoed) and the log does not grow;
 * the masked form is taken; the regulator's statistics report comes with small cells as JSON
 * `null`, never 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import { assetPayload, grantRoles, newRegistrationNumber, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let s: Server;
let roles: Record<RoleName, Actor>;

beforeAll(async () => {
  s = await startServer();
  roles = await grantRoles(s);
}, 60_000);

afterAll(async () => {
  await s?.destroy();
});

describe('desensitised public outputs', () => {
  it('refuses an unmasked mobile number in a public member, takes the masked one', async () => {
    const size = s.service.size;
    const rn = newRegistrationNumber();
    const source = { department: 'Records office, tel 13812345678', authorisationBasis: 'Catalogue No. 3' };
    let refused: unknown = null;
    try {
      await s.client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder, { source }) as never);
    } catch (err) {
      refused = err;
    }
    if (!isDataLedgerError(refused)) throw new Error('expected a coded refusal');
    expect(refused.code).toBe('REGISTRY_PUBLIC_PII');
    const details = refused.details as { status: number; problem: Record<string, unknown> };
    expect(details.status).toBe(422);
    expect(JSON.stringify(details.problem)).toContain('/source/department');
    expect(JSON.stringify(details.problem)).not.toContain('13812345678');
    expect(s.service.size).toBe(size);

    const masked = { ...source, department: 'Records office, tel 138****5678' };
    await s.client(roles.registry).submit('asset.registered', assetPayload(rn, roles.holder, { source: masked }) as never);
    expect(s.service.size).toBe(size + 1);
  });

  it('serves the statistics report with small cells suppressed as null', async () => {
    const stats = (await s.client(roles.regulator).statisticsReport()) as {
      minCell: number;
      suppressed: string[];
      assets: { total: number; byClassification: Record<string, number | null>; byHolder: Record<string, number | null> };
    };
    expect(stats.minCell).toBe(5);
    expect(stats.assets.total).toBe(1);
    // general 1 is small; important (the first zero) is hidden with it, so the total of 1 does not give it back
    expect(stats.assets.byClassification).toEqual({ general: null, important: null, core: 0 });
    expect(stats.assets.byHolder).toEqual({ [roles.holder.did]: null });
    expect(stats.suppressed).toContain('assets.byClassification.general');
  });
});
