/**
 * Where the log routes keep the witnesses' cosignatures (C2SP tlog-cosignature): the newest
 * per witness. In one process a map ({@link memoryCosignatures}); on one PostgreSQL log served
 * by several instances, a table they share (store-postgres `openPostgresShared(…).cosignatures`,
 * which has this shape), so a cosignature posted to one instance is served by every one.
 */

/** One witness's cosignature of a checkpoint, as kept. */
export interface KeptCosignature {
  /** The witness's cosigner vkey. */
  witnessKey: string;
  /** The tree size of the cosigned checkpoint. */
  size: number;
  /** The cosignature's timestamp (POSIX seconds). */
  timestamp: number;
  /** The checkpoint body it cosigns. */
  body: string;
  /** The witness's signature line. */
  line: string;
  /** The whole note as the witness posted it. */
  note: string;
}

/** The newest cosignature of each witness. */
export interface CosignatureStore {
  /**
   * Keeps `c` unless the witness's kept cosignature is newer: a larger tree, or the same tree
   * cosigned later (tlog-cosignature "timestamp"); an equal timestamp replaces it.
   * @returns true when `c` is now the kept one
   */
  offer(c: KeptCosignature): Promise<boolean>;
  /** Every witness's kept cosignature. */
  list(): Promise<KeptCosignature[]>;
}

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
