/**
 * @dataledger/store-postgres: a provenance `RecordStore` on PostgreSQL, with versioned schema
 * migrations applied on open. The only package that depends on the PostgreSQL client (`pg`).
 * @packageDocumentation
 */
export { openPostgresStore } from './store.ts';
export type { PostgresStoreOptions } from './store.ts';
export { MIGRATIONS } from './migrations.ts';
export type { Migration } from './migrations.ts';
