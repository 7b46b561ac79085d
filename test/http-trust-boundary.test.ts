/**
 * What the HTTP edge must refuse (issue 9 B1, B6), over real HTTP on 127.0.0.1 and a real
 * LevelDB data directory:
 * - a record dated beyond the clock skew (DESIGN.md: never more than 5 minutes after the server
 *   clock) gets a coded 4xx and changes nothing, and later honest records still go in;
 * - JSON bodies are read immune to the V8 member-name bug (nodejs/node#63785): after a body
 *   whose member name is `\`, a record whose member names are one-character escapes still
 *   reads as written; a body with a duplicate member name (RFC 7493 §2.3) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '@dataledger/core';
import { concealPayload } from '@dataledger/certificates';
import { buildRecord, type LedgerRecord } from '@dataledger/provenance';
import { ROUTE_OF_RECORD_TYPE } from '@dataledger/service';
import { grantRoles, registeredAsset, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let s: Server;
let roles: Record<RoleName, Actor>;
let rn: string;

beforeAll(async () => {
  s = await startServer();
  roles = await grantRoles(s);
  rn = await registeredAsset(s, roles);
}, 60_000);
afterAll(async () => {
  await s?.destroy();
});

async function post(path: string, body: string): Promise<{ status: number; code: string | undefined; type: string }> {
  const res = await fetch(`${s.base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const type = res.headers.get('content-type') ?? '';
  const json = (await res.json()) as { code?: string };
  return { status: res.status, code: json.code, type };
}

// The valuation is confidential (DESIGN.md "Disclosure policy"): logged as a digest, its
// disclosure sent beside the record in the envelope.
let valuationDisclosures: string[] = [];
const valued = (time?: string): LedgerRecord => {
  const c = concealPayload('asset.valued', { registrationNumber: rn, valuation: { amount: '200000.00', currency: 'CNY', method: 'income' } });
  valuationDisclosures = c.disclosures;
  return buildRecord(s.service.log.head(), { type: 'asset.valued', payload: c.payload as never, ...(time === undefined ? {} : { time }) }, roles.appraiser);
};
/** The envelope of one record (its text as given) and the disclosures made with it. */
const envelope = (recordText: string): string => `{"records":[${recordText}],"disclosures":${JSON.stringify(valuationDisclosures)}}`;

/**
 * The bug follows V8's object shapes: after an object with members [k1…kn, "\\"], a later
 * object with members [k1…kn, x] where x is written as a one-character escape reads x as `\`.
 * So the poison is a record's member names with `\` in place of `v`, and the victim a record
 * whose `v` is written `\u0076` (a legal spelling, RFC 8259 §7).
 */
const POISON = '{"actor":"a","index":0,"payload":{},"prev":"","sig":"","time":"","type":"","\\\\":0}';
const escapeV = (text: string): string => text.replace(/,"v":1}$/, ',"\\u0076":1}');

describe('records from the future', () => {
  it("an appraiser's asset.valued dated 9999-12-31 is a coded 4xx and changes nothing", async () => {
    const path = ROUTE_OF_RECORD_TYPE['asset.valued'] as string;
    const before = s.service.log.head();
    const checkpoint = await s.service.log.checkpoint();
    const a = await post(path, envelope(JSON.stringify(valued('9999-12-31T23:59:59.999Z'))));
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).toBeLessThan(500);
    expect(a.type).toContain('application/problem+json');
    expect(a.code).toBe('LEDGER_TIME_AHEAD');
    // Six minutes ahead is past the default 5-minute skew too.
    expect((await post(path, envelope(JSON.stringify(valued(new Date(Date.now() + 6 * 60_000).toISOString()))))).code).toBe('LEDGER_TIME_AHEAD');
    expect(s.service.log.head()).toEqual(before);
    expect(await s.service.log.checkpoint()).toBe(checkpoint);
    // Nothing is bricked: an honest valuation dated now goes in.
    const ok = await post(path, envelope(JSON.stringify(valued())));
    expect(ok.status).toBe(200);
    expect(s.service.log.size).toBe(before.size + 1);
  });
});

describe('JSON bodies at the trust boundary', () => {
  it('a body with a member named `\\` does not change how later escaped member names read', async () => {
    const path = ROUTE_OF_RECORD_TYPE['asset.valued'] as string;
    // The poison is refused as a record, but it has been read.
    expect((await post(path, POISON)).status).toBe(400);
    const record = valued();
    const text = escapeV(canonicalize(record));
    expect(text).toContain('"\\u0076":1'); // "v", a one-character escaped member name
    const a = await post(path, envelope(text));
    expect(a).toMatchObject({ status: 200 });
    expect(await s.service.log.get(record.index)).toEqual(record);
  });

  it('a record body with a fake "payload" first and the real one last is refused, and nothing is appended', async () => {
    const path = ROUTE_OF_RECORD_TYPE['asset.valued'] as string;
    const size = s.service.log.size;
    const real = canonicalize(valued());
    const dup = real.replace('{"actor":', '{"payload":{"registrationNumber":"other"},"actor":');
    expect(JSON.parse(dup)).toEqual(JSON.parse(real)); // what a last-member-wins reader sees
    const a = await post(path, dup);
    expect(a.status).toBe(400);
    expect(a.code).toBe('HTTP_BAD_REQUEST');
    expect(s.service.log.size).toBe(size);
  });
});
