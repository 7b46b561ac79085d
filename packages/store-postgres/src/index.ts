/**
 * @dataledger/store-postgres: a provenance `RecordStore` and `DisclosureVault` on PostgreSQL,
 * and the state the instances serving one log share beside it (published certificates, witness
 * cosignatures, signed-read nonces, encrypted statistics jobs), with versioned schema
 * migrations applied on open. The only package that depends on the PostgreSQL client (`pg`).
 * @packageDocumentation
 */
// The store: open (and migrate) a PostgreSQL-backed `RecordStore`.
export { openPostgresStore } from './store.ts';
export type { PostgresStoreOptions } from './store.ts';
// The disclosure vault: open (and migrate) a PostgreSQL-backed `DisclosureVault` in the same schema.
export { openPostgresVault } from './vault.ts';
export type { PostgresVaultOptions } from './vault.ts';
// The encrypted statistics jobs and contributions every instance serves, in the same schema.
export { openPostgresAggregation } from './aggregation.ts';
export type { AggregationKeeping, KeptContribution, KeptJob, PostgresAggregationOptions } from './aggregation.ts';
// The schema migrations, in order.
export { MIGRATIONS } from './migrations.ts';
export type { Migration } from './migrations.ts';
// The time limits every connection of this package keeps (connect, statement).
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from './migrations.ts';
export type { PoolTimeouts } from './migrations.ts';
// Several instances on one log: the sequencer lease, forwarded writes, head notifications.
export { openPostgresCluster } from './cluster.ts';
export type { LogCluster, PendingHandler, PostgresClusterOptions } from './cluster.ts';
// What the instances on one log share beside it: published certificates, witness cosignatures, signed-read nonces.
export { MAX_SHARED_KEY_LENGTH, MAX_SHARED_TEXT_LENGTH, NONCE_PRUNE_GRACE_MS, openPostgresShared } from './shared.ts';
export type { PostgresShared, PostgresSharedOptions, SharedCertificateShelf, SharedCosignatures, SharedNonces, StoredCosignature } from './shared.ts';
