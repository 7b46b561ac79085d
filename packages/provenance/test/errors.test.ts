/** Error codes are API: listed once, prefixed, described, and the only ones the sources raise. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVENANCE_ERROR_CODES } from '../src/index.ts';
import { PROVENANCE_ERROR_DESCRIPTIONS } from '../src/errors.ts';

describe('PROVENANCE_ERROR_CODES', () => {
  it('are unique, prefixed and each described', () => {
    expect(new Set(PROVENANCE_ERROR_CODES).size).toBe(PROVENANCE_ERROR_CODES.length);
    for (const code of PROVENANCE_ERROR_CODES) {
      expect(code).toMatch(/^(LEDGER|CHECKPOINT|BUNDLE|TILES|STORE|VAULT)_[A-Z_]+$/);
      expect(PROVENANCE_ERROR_DESCRIPTIONS[code]).toBeTruthy();
    }
  });

  it('every code named in the sources is listed', () => {
    const dir = fileURLToPath(new URL('../src/', import.meta.url));
    const used = new Set<string>();
    for (const f of readdirSync(dir)) {
      for (const m of readFileSync(dir + f, 'utf8').matchAll(/'((?:LEDGER|CHECKPOINT|BUNDLE|TILES|STORE|VAULT)_[A-Z_]+)'/g)) used.add(m[1]!);
    }
    for (const code of used) expect(PROVENANCE_ERROR_CODES).toContain(code);
  });
});
