import { describe, expect, it } from 'vitest';
import { CORE_ERROR_CODES } from '@dataledger/core';
import { PROVENANCE_ERROR_CODES } from '@dataledger/provenance';
import { CERTIFICATES_ERROR_CODES } from '@dataledger/certificates';
import { AGGREGATION_ERROR_CODES } from '@dataledger/aggregation';
import { ERROR_STATUS, SERVICE_ERROR_CODES, httpStatusOf } from '../src/errors.ts';
import { problemFromError, problemOf } from '../src/problem.ts';
import { DataLedgerError } from '@dataledger/core';

const EVERY_PACKAGE: Record<string, readonly string[]> = {
  core: CORE_ERROR_CODES,
  provenance: PROVENANCE_ERROR_CODES,
  certificates: CERTIFICATES_ERROR_CODES,
  aggregation: AGGREGATION_ERROR_CODES,
  service: SERVICE_ERROR_CODES,
};

describe('the error table', () => {
  it('maps every exported code of every package to one HTTP status', () => {
    for (const [pkg, codes] of Object.entries(EVERY_PACKAGE)) {
      for (const code of codes) {
        expect(Object.hasOwn(ERROR_STATUS, code), `${pkg}: ${code}`).toBe(true);
        const s = ERROR_STATUS[code] as number;
        expect(Number.isInteger(s) && s >= 400 && s <= 599, `${code} → ${s}`).toBe(true);
      }
    }
  });

  it('lists no code that no package exports', () => {
    const all = new Set(Object.values(EVERY_PACKAGE).flat());
    for (const code of Object.keys(ERROR_STATUS)) expect(all.has(code), code).toBe(true);
  });

  it('codes are unique across packages and prefixed', () => {
    const all = Object.values(EVERY_PACKAGE).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const c of SERVICE_ERROR_CODES) expect(c.startsWith('HTTP_')).toBe(true);
  });

  it('a stale index is a 409 the client can act on; client mistakes are 4xx', () => {
    expect(httpStatusOf('LEDGER_INDEX_MISMATCH')).toBe(409);
    expect(httpStatusOf('HTTP_BAD_REQUEST')).toBe(400);
    expect(httpStatusOf('REGISTRY_UNAUTHORISED')).toBe(403);
    expect(httpStatusOf('NO_SUCH_CODE')).toBe(500);
  });
});

describe('RFC 9457 problem documents', () => {
  it('carry type, title, status, detail and the code', () => {
    const p = problemOf('LEDGER_INDEX_MISMATCH', 'stale', { head: { size: 3 } });
    expect(p).toEqual({
      type: 'urn:dataledger:error:LEDGER_INDEX_MISMATCH',
      title: 'Conflict',
      status: 409,
      detail: 'stale',
      code: 'LEDGER_INDEX_MISMATCH',
      details: { head: { size: 3 } },
    });
  });

  it('turn a DataLedgerError into its code and anything unknown into HTTP_INTERNAL without leaking the message', () => {
    expect(problemFromError(new DataLedgerError('REGISTRY_NOT_HOLDER', 'x')).status).toBe(403);
    const internal = problemFromError(new Error('secret path /etc/x'));
    expect(internal.code).toBe('HTTP_INTERNAL');
    expect(internal.detail).not.toContain('/etc/x');
    expect(problemFromError({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'big' }).code).toBe('HTTP_BODY_TOO_LARGE');
    expect(problemFromError({ statusCode: 400, validation: [{ instancePath: '/a', keyword: 'type', message: 'must be integer' }], message: 'bad' }).code).toBe('HTTP_BAD_REQUEST');
  });
});
