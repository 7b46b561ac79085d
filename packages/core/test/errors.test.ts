import { describe, expect, it } from 'vitest';
import { CORE_ERROR_CODES, DataLedgerError, isDataLedgerError } from '../src/index.ts';

describe('DataLedgerError', () => {
  it('carries code, cause and details', () => {
    const cause = new Error('disk');
    const e = new DataLedgerError('STORE_IO', 'write failed', { cause, details: { index: 3 } });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('STORE_IO');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ index: 3 });
    expect(isDataLedgerError(e)).toBe(true);
    expect(isDataLedgerError(e, 'STORE_IO')).toBe(true);
    expect(isDataLedgerError(e, 'OTHER')).toBe(false);
    expect(isDataLedgerError(new Error('x'))).toBe(false);
    expect(isDataLedgerError(null)).toBe(false);
  });
  it('core codes are unique and prefixed', () => {
    expect(new Set(CORE_ERROR_CODES).size).toBe(CORE_ERROR_CODES.length);
    for (const c of CORE_ERROR_CODES) expect(c).toMatch(/^CORE_[A-Z0-9_]+$/);
  });
});
