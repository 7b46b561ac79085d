/**
 * Where the log routes keep the witnesses' cosignatures (C2SP tlog-cosignature): the newest
 * per witness. In one process a map ({@link memoryCosignatures}); on one PostgreSQL log served
 * by several instances, a table they share (store-postgres `openPostgresShared(…).cosignatures`,
 * which has this shape), so a cosignature posted to one instance is served by every one.
 */

import type { SharedCosignatures, StoredCosignature } from '@dataledger/store-postgres';

/** One witness's cosignature of a checkpoint, as kept (the shape store-postgres keeps too). */
export type KeptCosignature = StoredCosignature;

/**
 * The newest cosignature of each witness: `offer(c)` keeps `c` unless the witness's kept one
 * is newer (a larger tree, or the same tree cosigned later; an equal timestamp replaces it) and
 * answers whether `c` is now the kept one; `list()` gives every witness's.
 */
export type CosignatureStore = SharedCosignatures;

/**
 * A {@link CosignatureStore} in memory: one process's (the default of `buildApp`).
 * @returns an empty store
 */
export function memoryCosignatures(): CosignatureStore {
  const kept = new Map<string, KeptCosignature>();
  return {
    offer: async (c) => {
      const previous = kept.get(c.witnessKey);
      if (previous !== undefined && (previous.size > c.size || (previous.size === c.size && previous.timestamp > c.timestamp))) return false;
      kept.set(c.witnessKey, { ...c });
      return true;
    },
    list: async () => [...kept.values()].map((c) => ({ ...c })),
  };
}
