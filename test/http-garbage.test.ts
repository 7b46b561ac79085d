/**
 * Garbage and schema-violating input to every route over real HTTP: always a 4xx
 * `application/problem+json` with a code, never a 5xx, and nothing appended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toBase64 } from '@dataledger/core';
import { concealPayload, disclosureDigest } from '@dataledger/certificates';
import { buildRecord, signRecord, type RecordPayload } from '@dataledger/provenance';
import { ROUTE_OF_RECORD_TYPE } from '@dataledger/service';
import { assetPayload, grantRoles, newActor, newRegistrationNumber, startServer, type Actor, type RoleName, type Server } from './support/http-ledger.ts';

let s: Server;
let roles: Record<RoleName, Actor>;
let getRoutes: string[];
let postRoutes: string[];

beforeAll(async () => {
  s = await startServer(undefined, { verifyRateLimit: false, bodyLimit: 256 * 1024, batchBodyLimit: 512 * 1024 });
  roles = await grantRoles(s);
  const spec = (await (await fetch(`${s.base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  getRoutes = Object.entries(spec.paths)
    .filter(([, ops]) => 'get' in ops)
    .map(([p]) => p);
  postRoutes = Object.entries(spec.paths)
    .filter(([, ops]) => 'post' in ops)
    .map(([p]) => p);
});
afterAll(async () => {
  await s.destroy();
});

interface Answer {
  status: number;
  type: string;
  code: string | undefined;
}

async function send(method: string, path: string, body?: string | Uint8Array, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${s.base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': contentType } }),
  });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  let code: string | undefined;
  if (type.includes('json')) {
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
  }
  return { status: res.status, type, code };
}

function expectClientError(a: Answer, what: string): void {
  expect(a.status, what).toBeGreaterThanOrEqual(400);
  expect(a.status, what).toBeLessThan(500);
  expect(a.type, what).toContain('application/problem+json');
  expect(typeof a.code, what).toBe('string');
}

const GARBAGE_BODIES: [string, string | Uint8Array, string?][] = [
  ['empty', ''],
  ['null', 'null'],
  ['number', '123'],
  ['string', '"record"'],
  ['empty object', '{}'],
  ['empty array', '[]'],
  ['truncated', '{"v":1,"index":'],
  ['not utf-8', new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28])],
  ['proto poisoning', '{"__proto__":{"polluted":true},"v":1}'],
  ['constructor poisoning', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ['only v', '{"v":1}'],
  ['xml', '<record/>', 'application/xml'],
  ['text', 'hello', 'text/plain'],
  ['form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
];

describe('garbage to every POST route', () => {
  it('each garbage body is a coded 4xx and appends nothing', async () => {
    expect(postRoutes.length).toBeGreaterThanOrEqual(Object.keys(ROUTE_OF_RECORD_TYPE).length - 3);
    const size = s.service.size;
    for (const path of postRoutes) {
      for (const [name, body, type] of GARBAGE_BODIES) {
        if (path === '/v1/certificates/verify' && (name === 'empty object' || name === 'only v')) continue; // a (bad) certificate: 200 with failed checks
        expectClientError(await send('POST', path, body, type), `${path} ${name}`);
      }
    }
    expect(s.service.size).toBe(size);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('an oversize body is 413 HTTP_BODY_TOO_LARGE', async () => {
    const a = await send('POST', '/v1/assets/register', `{"x":"${'a'.repeat(600 * 1024)}"}`);
    expect(a.status).toBe(413);
    expect(a.code).toBe('HTTP_BODY_TOO_LARGE');
  });

  it('random JSON to every POST route never yields a 5xx or an append (fast-check)', async () => {
    const size = s.service.size;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...postRoutes), fc.jsonValue({ maxDepth: 4 }), async (path, value) => {
        const a = await send('POST', path, JSON.stringify(value));
        if (path === '/v1/certificates/verify' && a.status === 200) return;
        expectClientError(a, `${path} ${JSON.stringify(value).slice(0, 80)}`);
      }),
      { numRuns: 300 },
    );
    expect(s.service.size).toBe(size);
  });
});

describe('schema-violating records', () => {
  it('records that are almost right are refused with the failing package code', async () => {
    const size = s.service.size;
    const head = s.service.head();
    const h = { size: head.size, lastLeafHash: head.lastLeafHash === '' ? null : Buffer.from(head.lastLeafHash, 'base64') };
    const rn = newRegistrationNumber();
    // Confidential members are concealed (DESIGN.md "Confidential payloads"); each body goes
    // in the envelope with the disclosures of the digests its records carry.
    const made: string[] = [];
    const conceal = (payload: Record<string, unknown>): RecordPayload => {
      const c = concealPayload('asset.registered', payload);
      made.push(...c.disclosures);
      return c.payload as unknown as RecordPayload;
    };
    const envelope = (body: unknown): unknown => {
      const records = Array.isArray(body) ? body : [body];
      const text = JSON.stringify(records);
      const disclosures = made.filter((d) => text.includes(disclosureDigest(d)));
      return disclosures.length === 0 ? body : { records, disclosures };
    };
    const good = buildRecord(h, { type: 'asset.registered', payload: conceal(assetPayload(rn, roles.holder)) }, roles.registry);
    const route = ROUTE_OF_RECORD_TYPE['asset.registered'] as string;
    const other = newActor();
    const cases: [string, unknown, string][] = [
      ['extra member', { ...good, extra: 1 }, 'HTTP_BAD_REQUEST'],
      ['index as string', { ...good, index: String(good.index) }, 'HTTP_BAD_REQUEST'],
      ['negative index', { ...good, index: -1 }, 'HTTP_BAD_REQUEST'],
      ['float index', { ...good, index: 1.5 }, 'HTTP_BAD_REQUEST'],
      ['v = 2', { ...good, v: 2 }, 'HTTP_BAD_REQUEST'],
      ['bad time', { ...good, time: '2026-13-45T99:99:99.999Z' }, 'LEDGER_RECORD_MALFORMED'],
      ['bad actor', { ...good, actor: 'did:web:example.com' }, 'LEDGER_RECORD_MALFORMED'],
      ['bad sig', { ...good, sig: 'A'.repeat(86) }, 'LEDGER_SIGNATURE_INVALID'],
      [
        'signed by another key',
        { ...signRecord({ ...good, actor: other.did } as Parameters<typeof signRecord>[0], other.secretKey), actor: good.actor },
        'LEDGER_SIGNATURE_INVALID',
      ],
      ['tampered payload', { ...good, payload: { ...good.payload, rowCount: 5 } }, 'LEDGER_SIGNATURE_INVALID'],
      ['wrong type', { ...good, type: 'asset.reviewed' }, 'HTTP_RECORD_TYPE_MISMATCH'],
      // Signed as it stands (an unsigned edit is a bad signature, refused before any position check).
      ['prev of another log', signRecord({ ...good, prev: toBase64(new Uint8Array(32)) } as never, roles.registry.secretKey), 'LEDGER_CHAIN_BROKEN'],
      ['prev edited after signing', { ...good, prev: toBase64(new Uint8Array(32)) }, 'LEDGER_SIGNATURE_INVALID'],
      ['future index', signRecord({ ...good, index: good.index + 5 } as never, roles.registry.secretKey), 'LEDGER_INDEX_MISMATCH'],
      [
        'payload not the schema',
        buildRecord(
          h,
          { type: 'asset.registered', payload: conceal({ ...assetPayload(rn, roles.holder), classification: 'secret' }) as never },
          roles.registry,
        ),
        'REGISTRY_PAYLOAD_INVALID',
      ],
      [
        'money as a float',
        buildRecord(
          h,
          {
            type: 'asset.registered',
            payload: conceal({ ...assetPayload(rn, roles.holder), valuation: { amount: 1.5, currency: 'CNY', method: 'cost' } }) as never,
          },
          roles.registry,
        ),
        'REGISTRY_MONEY_NOT_DECIMAL',
      ],
      [
        'unauthorised signer',
        buildRecord(h, { type: 'asset.registered', payload: conceal(assetPayload(rn, roles.holder)) as never }, roles.holder),
        'REGISTRY_UNAUTHORISED',
      ],
      [
        'batch with a broken link',
        [
          good,
          buildRecord(
            { size: good.index + 1, lastLeafHash: new Uint8Array(32) },
            { type: 'asset.registered', payload: conceal(assetPayload(newRegistrationNumber(), roles.holder)) as never },
            roles.registry,
          ),
        ],
        'LEDGER_CHAIN_BROKEN',
      ],
      ['oversize batch', Array.from({ length: 2000 }, () => ({ v: 1 })), 'HTTP_BAD_REQUEST'],
    ];
    for (const [name, body, code] of cases) {
      const a = await send('POST', route, JSON.stringify(envelope(body)));
      expectClientError(a, name);
      if (code !== '') expect(a.code, name).toBe(code);
    }
    expect(s.service.size).toBe(size);
    // and the good one still goes in
    const ok = await send('POST', route, JSON.stringify(envelope(good)));
    expect(ok.status).toBe(200);
    expect(s.service.size).toBe(size + 1);
  });
});

describe('garbage to every GET route', () => {
  it('bad parameters are coded 4xx', async () => {
    const size = s.service.size;
    const queries = [
      '?start=-1',
      '?start=abc',
      '?start=0&end=99999999',
      '?start=5&end=2',
      '?index=1e5',
      '?index=99999999',
      '?leafHash=abc',
      `?leafHash=${encodeURIComponent(toBase64(new Uint8Array(32)))}`,
      '?index=0&leafHash=x',
      '?size1=5&size2=2',
      '?size1=999999999',
      '?treeSize=0&index=0',
      '?unknown=1',
      `?start=${'9'.repeat(40)}`,
    ];
    for (const template of getRoutes) {
      if (template.startsWith('/docs') || template === '/health' || template === '/openapi.json') continue;
      const paths = template.includes('{')
        ? ['%00', 'x'.repeat(300), '..%2F..%2Fetc', '-1', '99999999999', 'a%20b'].map((v) => template.replace(/\{[^}]+\}/, v))
        : [template];
      for (const path of paths) {
        for (const q of template.includes('{') ? [''] : queries) {
          const a = await send('GET', `${path}${q}`);
          if (a.status === 200) continue; // a route that ignores or accepts this parameter
          expect(a.status, `${path}${q}`).toBeGreaterThanOrEqual(400);
          expect(a.status, `${path}${q}`).toBeLessThan(500);
          expect(a.type, `${path}${q}`).toContain('application/problem+json');
        }
      }
    }
    expect(s.service.size).toBe(size);
  });

  it('signed-read routes refuse malformed signature headers with 401', async () => {
    for (const path of ['/v1/assets/X-1', '/v1/licences/L-1', '/v1/supervision/audit', '/v1/supervision/statistics']) {
      for (const headers of [
        { signature: 'sig=:AAAA:' },
        { 'signature-input': 'sig=("@method");created=1', signature: 'sig=:AAAA:' },
        { 'signature-input': '((((', signature: '))))' },
        {
          'signature-input': `sig=("@method" "@authority" "@path" "@query");created=${Math.floor(Date.now() / 1000)};keyid="did:key:zzz"`,
          signature: 'sig=:AAAA:',
        },
      ]) {
        const res = await fetch(`${s.base}${path}`, { headers: headers as Record<string, string> });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(((await res.json()) as { code: string }).code).toMatch(/^HTTP_SIGNATURE_/);
      }
    }
  });
});
