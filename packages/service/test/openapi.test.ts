/**
 * The served OpenAPI document (issue "In its users' hands", item 7), on a real service over
 * LevelDB and real HTTP on 127.0.0.1:
 * - it is a valid OpenAPI 3.1 document (checked by a maintained validator,
 *   `@seriousme/openapi-schema-validator`);
 * - every route the app registers (collected with fastify's `onRoute` hook, so routes added
 *   later are covered too) is in it with an `operationId`, a `summary`, examples for its
 *   request (body and parameters) and its success responses, and RFC 9457 problem answers
 *   declared as `application/problem+json` with a `code`;
 * - examples satisfy their own schemas (JSON Schema 2020-12, the OpenAPI 3.1 dialect),
 *   example records carry valid Ed25519 signatures, the example certificate verifies offline,
 *   the example export verifies as a bundle, and example receipts and proofs verify against
 *   the example checkpoints (RFC 9162), all under the example log key;
 * - `servers` names the listen address, or the public URL when one is configured;
 * - signed reads are described as RFC 9421 HTTP Message Signatures, not an API key, with a
 *   worked example whose signature verifies over the signature base shown (RFC 9421 §2.5).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channel } from 'node:diagnostics_channel';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { publicKeyFromDidKey } from '@dataledger/core';
import {
  merkleRoot,
  openCheckpoint,
  recordLeafHash,
  verifyBundle,
  verifyConsistency,
  verifyInclusion,
  verifyRecordSignature,
  type LedgerRecord,
} from '@dataledger/provenance';
import { fromBase64 } from '@dataledger/core';
import { verifyCertificate } from '@dataledger/certificates';
import { buildApp } from '../src/app.ts';
import { openService, type DataDirService } from '../src/open.ts';

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Json[];
  requestBody?: { content: Record<string, Json> };
  responses: Record<string, { content?: Record<string, Json> }>;
  security?: Record<string, string[]>[];
};

const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];

let dir: string;
let service: DataDirService;
let app: FastifyInstance;
let base: string;
let doc: Json;
const routes: { method: string; url: string; hidden: boolean }[] = [];

// fastify announces every new instance on this channel before any route is added, so the
// test sees every route the app registers without the app knowing about the test.
const initChannel = channel('fastify.initialization');
function collectRoutes(message: unknown): void {
  const { fastify } = message as { fastify: FastifyInstance };
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of methods) routes.push({ method: String(method), url: route.url, hidden });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataledger-openapi-'));
  service = await openService({ dataDir: dir, sync: false, origin: 'openapi.test/log' });
  initChannel.subscribe(collectRoutes);
  try {
    app = await buildApp({ service });
  } finally {
    initChannel.unsubscribe(collectRoutes);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const res = await fetch(`${base}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
});

afterAll(async () => {
  await app?.close();
  await service?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function operations(): { path: string; method: string; op: Operation }[] {
  const out: { path: string; method: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(item)) if (HTTP_METHODS.includes(method.toUpperCase())) out.push({ path, method, op });
  }
  return out;
}

/**
 * A path with its parameters blanked, so fastify's `:id`, `:id(regex)` and `*` match OpenAPI's
 * `{id}` (the wildcard is documented as `{*}`: braces first, then a bare `*`).
 */
const shape = (path: string): string =>
  path
    .replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, '{}')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\*/g, '{}');

/** The documented routes: what the app registered, less fastify's implicit HEAD routes and hidden ones (docs assets). */
function documentedRoutes(): { method: string; path: string }[] {
  return routes.filter((r) => !r.hidden && HTTP_METHODS.includes(r.method)).map((r) => ({ method: r.method.toLowerCase(), path: shape(r.url) }));
}

/** Binary answers (tiles, say) cannot carry a JSON example; their schema says what they are. */
function isBinary(type: string, media: Json): boolean {
  const schema = media['schema'] as Json | undefined;
  return type === 'application/octet-stream' || schema?.['format'] === 'binary' || schema?.['contentMediaType'] !== undefined;
}

function hasExample(media: Json | undefined): boolean {
  if (media === undefined) return false;
  const schema = media['schema'] as Json | undefined;
  return media['example'] !== undefined || media['examples'] !== undefined || Array.isArray(schema?.['examples']) || schema?.['example'] !== undefined;
}

function examplesOf(media: Json): unknown[] {
  if (media['example'] !== undefined) return [media['example']];
  if (media['examples'] !== undefined) return Object.values(media['examples'] as Record<string, { value: unknown }>).map((e) => e.value);
  const schema = media['schema'] as Json | undefined;
  return (schema?.['examples'] as unknown[] | undefined) ?? [];
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every registered route', () => {
    const expected = documentedRoutes();
    // The areas' routes are all registered, not only a few.
    expect(expected.length).toBeGreaterThan(30);
    const documented = new Set(operations().map(({ path, method }) => `${method} ${shape(path)}`));
    const missing = expected.map((r) => `${r.method} ${r.path}`).filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });

  it('gives every operation a unique operationId, a summary and tags', () => {
    const ids = new Map<string, string>();
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
      expect(ids.get(op.operationId as string), `${where}: operationId also used by`).toBeUndefined();
      ids.set(op.operationId as string, where);
      expect(op.summary?.length ?? 0, `${where}: summary`).toBeGreaterThan(8);
      expect((op as { tags?: string[] }).tags?.length ?? 0, `${where}: tags`).toBeGreaterThan(0);
    }
  });

  it('gives every request body, parameter and success response an example', () => {
    const without: string[] = [];
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) if (!hasExample(media)) without.push(`${where} request ${type}`);
      for (const p of op.parameters ?? []) {
        const schema = p['schema'] as Json | undefined;
        if (p['example'] === undefined && p['examples'] === undefined && schema?.['examples'] === undefined && schema?.['example'] === undefined) {
          without.push(`${where} parameter ${String(p['name'])}`);
        }
      }
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      if (success.length === 0) without.push(`${where}: no success response`);
      for (const [status, response] of success) {
        const media = Object.entries(response.content ?? {});
        if (media.length === 0) without.push(`${where} ${status}: no content`);
        for (const [type, m] of media) if (!hasExample(m) && !isBinary(type, m)) without.push(`${where} ${status} ${type}`);
      }
    }
    expect(without).toEqual([]);
  });

  it('has examples that satisfy their schemas, and example records that are really signed', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    // Component references resolve against the document itself.
    ajv.addSchema({ $id: 'https://openapi.invalid/document', components: (doc['components'] ?? {}) as Json });
    const rebase = (schema: unknown): Json =>
      JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"https://openapi.invalid/document#/components/')) as Json;
    const bad: string[] = [];
    let records = 0;
    const checkRecords = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((v) => checkRecords(v, where));
      if (value === null || typeof value !== 'object') return;
      const v = value as Json;
      if (v['v'] === 1 && typeof v['sig'] === 'string' && typeof v['actor'] === 'string' && typeof v['index'] === 'number') {
        records++;
        if (!verifyRecordSignature(v as unknown as LedgerRecord)) bad.push(`${where}: record signature`);
        return;
      }
      for (const x of Object.values(v)) checkRecords(x, where);
    };
    for (const { path, method, op } of operations()) {
      const media: [string, Json][] = [];
      for (const [type, m] of Object.entries(op.requestBody?.content ?? {})) media.push([`${method} ${path} request ${type}`, m]);
      for (const [status, r] of Object.entries(op.responses))
        for (const [type, m] of Object.entries(r.content ?? {})) media.push([`${method} ${path} ${status} ${type}`, m]);
      for (const [where, m] of media) {
        const schema = m['schema'] as Json | undefined;
        if (schema === undefined) continue;
        const { examples: _e, example: _x, ...plain } = schema;
        const validate = ajv.compile(rebase(plain));
        for (const ex of examplesOf(m)) {
          if (!validate(ex)) bad.push(`${where}: ${ajv.errorsText(validate.errors)}`);
          checkRecords(ex, where);
        }
      }
    }
    expect(bad).toEqual([]);
    // Every write route shows at least one record.
    expect(records).toBeGreaterThan(20);
  });

  it('shows a certificate that verifies offline against the example log key', () => {
    const op = (doc['paths'] as Record<string, Record<string, Operation>>)['/v1/certificates/verify']?.['post'] as Operation;
    const [certificate] = examplesOf(op.requestBody?.content['application/json'] as Json);
    const health = (doc['paths'] as Record<string, Record<string, Operation>>)['/health']?.['get'] as Operation;
    const [info] = examplesOf(health.responses['200']?.content?.['application/json'] as Json) as { logKey: string }[];
    const v = verifyCertificate(certificate, { trustedLogKeys: [info?.logKey as string], at: new Date('2027-01-01T00:00:00Z') });
    // Everything but the status (no status list is given) holds: proof, validity, inclusion, issuer role.
    expect(v.checks.filter((c) => !c.ok && c.name !== 'status')).toEqual([]);
    for (const name of ['proof', 'validity', 'inclusion', 'issuer']) expect(v.checks.find((c) => c.name === name)?.ok, name).toBe(true);
  });

  it('shows an export that verifies as a bundle of the example log', async () => {
    const paths = doc['paths'] as Record<string, Record<string, Operation>>;
    const [bundle] = examplesOf(paths['/v1/log/export']?.['get']?.responses['200']?.content?.['application/jsonl'] as Json) as string[];
    const [info] = examplesOf(paths['/health']?.['get']?.responses['200']?.content?.['application/json'] as Json) as { logKey: string }[];
    const report = await verifyBundle([bundle as string], { trustedLogKeys: [info?.logKey as string] });
    expect(report).toMatchObject({ valid: true, trusted: true });
    expect(report.size).toBeGreaterThan(5);
  });

  it('shows receipts and proofs that verify against the example checkpoints', () => {
    const paths = doc['paths'] as Record<string, Record<string, Operation>>;
    const [info] = examplesOf(paths['/health']?.['get']?.responses['200']?.content?.['application/json'] as Json) as { logKey: string }[];
    const logKey = info?.logKey as string;
    let receipts = 0;
    const check = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((v) => check(v, where));
      if (value === null || typeof value !== 'object') return;
      const v = value as Json;
      const proof = (v['inclusionProof'] ?? v['proof']) as string[] | undefined;
      if (typeof v['checkpoint'] === 'string' && Array.isArray(proof) && typeof v['leafHash'] === 'string') {
        receipts++;
        const { checkpoint } = openCheckpoint(v['checkpoint'], [logKey]);
        expect(checkpoint.size, where).toBe(v['treeSize']);
        const ok = verifyInclusion({
          leafHash: fromBase64(v['leafHash']),
          index: v['index'] as number,
          treeSize: checkpoint.size,
          proof: proof.map((h) => fromBase64(h)),
          root: checkpoint.rootHash,
        });
        expect(ok, where).toBe(true);
        return;
      }
      for (const x of Object.values(v)) check(x, where);
    };
    for (const { path, method, op } of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^2/.test(status)) continue;
        for (const m of Object.values(r.content ?? {})) check(examplesOf(m), `${method} ${path}`);
      }
    }
    expect(receipts).toBeGreaterThan(20);
    // The consistency proof joins the example export's first size1 records to the checkpoint.
    const consistency = examplesOf(paths['/v1/log/proof/consistency']?.['get']?.responses['200']?.content?.['application/json'] as Json)[0] as Json;
    const inclusion = examplesOf(paths['/v1/log/proof/inclusion']?.['get']?.responses['200']?.content?.['application/json'] as Json)[0] as Json;
    const [bundle] = examplesOf(paths['/v1/log/export']?.['get']?.responses['200']?.content?.['application/jsonl'] as Json) as string[];
    const lines = (bundle as string).split('\n').filter((l) => l !== '');
    const leaves = lines.slice(1, -1).map((l) => recordLeafHash(JSON.parse(l) as LedgerRecord));
    const size1 = consistency['size1'] as number;
    const size2 = consistency['size2'] as number;
    expect(size2).toBe(leaves.length);
    expect(size2).toBe(inclusion['treeSize']);
    const proof = (consistency['proof'] as string[]).map((h) => fromBase64(h));
    const root2 = openCheckpoint(inclusion['checkpoint'] as string, [logKey]).checkpoint.rootHash;
    expect(verifyConsistency({ size1, size2, root1: merkleRoot(leaves.slice(0, size1)), root2, proof })).toBe(true);
    const entries = examplesOf(paths['/v1/log/entries']?.['get']?.responses['200']?.content?.['application/json'] as Json)[0] as {
      start: number;
      entries: LedgerRecord[];
    };
    expect(entries.entries.map((r) => recordLeafHash(r))).toEqual(leaves.slice(entries.start, entries.start + entries.entries.length));
  });

  it('declares problem answers as application/problem+json (RFC 9457) with a code, as the routes answer', async () => {
    const problem = (doc['components'] as { schemas: Record<string, Json> }).schemas['Problem'] as Json;
    expect(problem['required']).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    for (const { path, method, op } of operations()) {
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      expect(errors.map(([s]) => s[0]).sort(), `${method} ${path}`).toEqual(['4', '5']);
      for (const [status, r] of errors) {
        expect(Object.keys(r.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        const schema = (r.content!['application/problem+json'] as Json)['schema'] as Json;
        expect(schema['$ref'] === '#/components/schemas/Problem' || (schema['required'] as string[] | undefined)?.includes('code')).toBe(true);
      }
    }
    // What the document says is what a route answers.
    const res = await fetch(`${base}/v1/assets/DA-2026-000017`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as Json)['code']).toBe('HTTP_SIGNATURE_MISSING');
  });

  it('names the listen address in servers', () => {
    expect(doc['servers']).toEqual([expect.objectContaining({ url: base })]);
  });

  it('names the public URL in servers when one is configured', async () => {
    const other = await buildApp({ service, publicUrl: 'https://ledger.example.org/' } as Parameters<typeof buildApp>[0]);
    try {
      const res = await other.inject({ method: 'GET', url: '/openapi.json' });
      expect((res.json() as Json)['servers']).toEqual([expect.objectContaining({ url: 'https://ledger.example.org' })]);
    } finally {
      await other.close();
    }
  });

  it('documents signed reads as RFC 9421 HTTP Message Signatures with a worked example that verifies', () => {
    const schemes = (doc['components'] as { securitySchemes: Record<string, Json> }).securitySchemes;
    const signed = operations().filter(({ op }) => op.security !== undefined && op.security.length > 0);
    expect(signed.length).toBeGreaterThanOrEqual(4);
    for (const { path, method, op } of signed) {
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) {
          const scheme = schemes[name] as Json;
          expect(scheme['type'], `${name} is not an API key`).not.toBe('apiKey');
          expect(String(scheme['description'])).toContain('RFC 9421');
        }
      }
      expect(op.description ?? '', `${method} ${path}`).toContain('RFC 9421');
      const headers = (op.parameters ?? []).filter((p) => p['in'] === 'header').map((p) => String(p['name']).toLowerCase());
      expect(headers, `${method} ${path}`).toEqual(expect.arrayContaining(['signature-input', 'signature']));
    }

    // The worked example: the signature base shown, the fields shown, and a signature by the
    // keyid's key over exactly that base (RFC 9421 §2.5, §3.3.6).
    const description = String(Object.values(schemes).find((s) => String(s['description']).includes('RFC 9421'))?.['description']);
    const fenced = [...description.matchAll(/```[a-z]*\n([\s\S]*?)\n```/g)].map((m) => m[1] as string);
    const signatureBase = fenced.find((b) => b.includes('"@signature-params"')) as string;
    const request = fenced.find((b) => /^GET /.test(b)) as string;
    expect(signatureBase).toBeDefined();
    expect(request).toBeDefined();
    const field = (name: string): string => (new RegExp(`^${name}: (.*)$`, 'm').exec(request)?.[1] ?? '').trim();
    const input = field('Signature-Input');
    const sigField = field('Signature');
    const [, path] = /^GET (\S+) HTTP\/1\.1$/m.exec(request) ?? [];
    const host = field('Host');
    const baseLines = signatureBase.split('\n');
    expect(baseLines).toEqual([
      '"@method": GET',
      `"@authority": ${host}`,
      `"@path": ${path}`,
      '"@query": ?',
      `"@signature-params": ${input.slice(input.indexOf('=') + 1)}`,
    ]);
    expect(input).toMatch(/created=\d+;expires=\d+;keyid="did:key:z6Mk[^"]+";alg="ed25519";nonce="[^"]+"/);
    const keyid = /keyid="([^"]+)"/.exec(input)?.[1] as string;
    const signature = Buffer.from(/^sig=:([A-Za-z0-9+/=]+):$/.exec(sigField)?.[1] ?? '', 'base64');
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKeyFromDidKey(keyid)]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(cryptoVerify(null, Buffer.from(signatureBase, 'utf8'), key, signature)).toBe(true);
    expect(cryptoVerify(null, Buffer.from(signatureBase.replace('GET', 'PUT'), 'utf8'), key, signature)).toBe(false);
  });
});
