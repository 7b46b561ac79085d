import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_ERROR_CODES, CoreError, DataLedgerError, isDataLedgerError } from '@dataledger/core';
import { PROVENANCE_ERROR_CODES, ProvenanceError } from '@dataledger/provenance';
import { CERTIFICATES_ERROR_CODES, CertificateError } from '@dataledger/certificates';
import { AGGREGATION_ERROR_CODES, AggregationError } from '@dataledger/aggregation';
import { ERROR_STATUS, SERVICE_ERROR_CODES, httpStatusOf } from '../src/errors.ts';
import { ServiceError, problemFromError, problemOf } from '../src/problem.ts';

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

describe('one error shape', () => {
  it("each package's error class takes (code, message, { details, cause }) and is a DataLedgerError", () => {
    const cause = new Error('under');
    const made = [
      new CoreError('CORE_JSON_INVALID', 'm', { details: { at: 1 }, cause }),
      new ProvenanceError('LEDGER_CHAIN_BROKEN', 'm', { details: { at: 1 }, cause }),
      new CertificateError('CERT_EXPIRED', 'm', { details: { at: 1 }, cause }),
      new AggregationError('AGG_REPLAY', 'm', { details: { at: 1 }, cause }),
      new ServiceError('HTTP_FORBIDDEN', 'm', { details: { at: 1 }, cause }),
    ];
    for (const e of made) {
      expect(e).toBeInstanceOf(DataLedgerError);
      expect(isDataLedgerError(e, e.code)).toBe(true);
      expect(e.details).toEqual({ at: 1 });
      expect(e.cause).toBe(cause);
      expect(problemFromError(e)).toMatchObject({ code: e.code, status: httpStatusOf(e.code), details: { at: 1 } });
    }
  });

  it('every declared code is raised somewhere in its sources (none declared and never used)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && f !== 'errors.ts') sources.push(readFileSync(p, 'utf8'));
      }
    };
    const declared: string[] = [];
    for (const pkg of readdirSync(root)) {
      const src = join(root, pkg, 'src');
      let errors: string;
      try {
        errors = readFileSync(join(src, 'errors.ts'), 'utf8');
      } catch {
        continue;
      }
      walk(src);
      // The code lists are the `…_ERROR_CODES = [ … ] as const` arrays of each errors.ts.
      for (const list of errors.matchAll(/_ERROR_CODES = \[([^\]]*)\] as const/g)) {
        for (const m of list[1]!.matchAll(/^\s*'([A-Z][A-Z0-9_]+)',/gm)) declared.push(m[1]!);
      }
    }
    expect(declared).toContain('CLI_USAGE');
    expect(declared).toContain('CORE_JSON_INVALID');
    const text = sources.join('\n');
    for (const code of declared) expect(text.includes(`'${code}'`), code).toBe(true);
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
    expect(problemFromError({ statusCode: 400, validation: [{ instancePath: '/a', keyword: 'type', message: 'must be integer' }], message: 'bad' }).code).toBe(
      'HTTP_BAD_REQUEST',
    );
  });
});
