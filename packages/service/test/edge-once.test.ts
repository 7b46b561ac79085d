/**
 * A POST of one record is parsed and checked once at the edge: one RFC 8785 canonicalisation
 * and one RFC 9162 leaf hash (SHA-256 of 0x00 ‖ leaf data, §2.1.1) for the record, handed on
 * to the log, which neither canonicalises nor hashes it again nor re-verifies its signature.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const counts = vi.hoisted(() => ({ canonicalize: 0, leafHashes: 0, verify: 0 }));

vi.mock('@dataledger/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@dataledger/core')>();
  return {
    ...core,
    canonicalize: (value: unknown): string => {
      counts.canonicalize++;
      return core.canonicalize(value);
    },
    verify: (...args: Parameters<typeof core.verify>): boolean => {
      counts.verify++;
      return core.verify(...args);
    },
  };
});

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const hash = (algorithm: string, data: string | NodeJS.ArrayBufferView, encoding?: string): unknown => {
    // A leaf hash is the only SHA-256 input that starts with the 0x00 domain byte (RFC 9162 §2.1.1).
    const first = typeof data === 'string' ? data.charCodeAt(0) : (data as Uint8Array)[0];
    if (algorithm === 'sha256' && first === 0) counts.leafHashes++;
    return (crypto.hash as (a: string, d: unknown, e?: string) => unknown)(algorithm, data, encoding);
  };
  return { ...crypto, default: { ...crypto, hash }, hash };
});

import type { FastifyInstance } from 'fastify';
import { generateKeyPair } from '@dataledger/core';
import { buildRecord, Log, memoryStore } from '@dataledger/provenance';
import { buildApp } from '../src/app.ts';
import { LedgerService } from '../src/service.ts';

const ORIGIN = 'test.example/edge';
const alice = generateKeyPair();
let log: Log;
let service: LedgerService<number>;
let app: FastifyInstance;

beforeAll(async () => {
  log = await Log.open(memoryStore(), { origin: ORIGIN, logKey: { secretKey: generateKeyPair().secretKey } });
  service = new LedgerService<number>({ log, origin: ORIGIN, apply: (s) => s + 1, state: 0 });
  app = await buildApp({ service });
});
afterAll(async () => {
  await app.close();
  await service.close();
});

describe('the edge checks a record once', () => {
  it('one canonicalisation, one leaf hash and one signature check per record on a POST', async () => {
    const record = buildRecord(log.head(), { type: 'asset.registered', payload: { name: 'x', n: [1, 2] } }, alice);
    const body = JSON.stringify(record);
    counts.canonicalize = 0;
    counts.leafHashes = 0;
    counts.verify = 0;
    const res = await app.inject({ method: 'POST', url: '/v1/assets/register', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(log.size).toBe(1);
    expect(counts).toEqual({ canonicalize: 1, leafHashes: 1, verify: 1 });
  });
});
