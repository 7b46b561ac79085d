/**
 * `ROLE_CHANGING_TYPES` is the service's licence to check a batch's role gates without applying
 * every record of it: no record of another type may change what `isAuthorised` answers. Checked
 * on generated ledgers (every record type the generator writes, concealed and not), against the
 * state before and after each accepted record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRecord, emptyRegistryState, ROLE_CHANGING_TYPES, type RegistryState } from '../src/index.ts';
import { liveLifecycle, type Intent } from './lifecycle.ts';

const intent: fc.Arbitrary<Intent> = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000));

describe('ROLE_CHANGING_TYPES', () => {
  it('names exactly the genesis and role changes', () => {
    // DESIGN.md, the registry: the root authority comes from the genesis, roles from grants and revocations.
    expect([...ROLE_CHANGING_TYPES].sort()).toEqual(['ledger.genesis', 'role.granted', 'role.revoked']);
  });

  it('no record of another type changes the root authority or any role', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(intent, { minLength: 20, maxLength: 200 }), async (intents) => {
        const { records, disclosures } = await liveLifecycle(intents);
        let s: RegistryState = emptyRegistryState();
        for (const r of records) {
          const next = applyRecord(s, r, { disclosures });
          if (!ROLE_CHANGING_TYPES.has(r.type as never)) {
            seen.add(r.type);
            // Persistent maps: the same object means nothing changed.
            expect(next.roles).toBe(s.roles);
            expect(next.rootAuthority).toBe(s.rootAuthority);
          }
          s = next;
        }
      }),
      { numRuns: 20, seed: 20261129 },
    );
    // The generator reached a broad set of the other types (else the property says little).
    expect(seen.size).toBeGreaterThanOrEqual(12);
  });
});
