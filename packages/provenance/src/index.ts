/**
 * @dataledger/provenance: the tamper-evident ledger. Signed, hash-chained records; RFC 9162
 * Merkle trees and proofs; C2SP checkpoints and cosignatures; record stores (memory, LevelDB);
 * disclosure vaults; the append-only `Log`; JSON Lines bundles and their streaming replay; C2SP tlog-tiles
 * (paths, entry bundles, serving from a log) and a verifying tiles client.
 * @packageDocumentation
 */
// Errors: the package's error class and its stable codes.
export { PROVENANCE_ERROR_CODES, ProvenanceError } from './errors.ts';
export type { ProvenanceErrorCode } from './errors.ts';
// Records: parse, build, sign and verify signed, hash-chained records.
export {
  parseRecord,
  signRecord,
  buildRecord,
  buildChain,
  verifyRecordSignature,
  verifySignedRecord,
  isVerifiedRecord,
  vouchRecords,
  verifyVouchedRecords,
  VOUCH_TAG_LENGTH,
  recordLeafHash,
  checkRecord,
  hashAndVerifyChecked,
} from './records.ts';
export type { LedgerRecord, UnsignedRecord, LogHead, RecordLimits, RecordPayload, ChainHead, ChainDraft, VerifiedRecord, CheckedRecord } from './records.ts';
// Merkle trees (RFC 9162): pure hashing, proofs and verification, and readers over stored hashes.
export {
  leafHash,
  merkleRoot,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  readRoot,
  readInclusionProof,
  readConsistencyProof,
} from './merkle.ts';
export type { InclusionCheck, ConsistencyCheck, HashReader } from './merkle.ts';
// Checkpoints (C2SP signed notes): sign, open, cosign, and verifier keys.
export {
  parseCheckpoint,
  verifierKey,
  cosignerVerifierKey,
  parseVerifierKey,
  splitNote,
  signCheckpoint,
  openCheckpoint,
  cosignCheckpoint,
  verifyCosignature,
  cosignatureTimestamp,
  NOTE_TYPE_COSIGNATURE_V1,
} from './checkpoint.ts';
export type { Checkpoint, NoteSigner, Cosigner, ParsedVerifierKey, NoteSignature } from './checkpoint.ts';
// Record stores: in memory and on LevelDB (PostgreSQL lives in @dataledger/store-postgres).
export { memoryStore, openLevelStore } from './store.ts';
export type { RecordStore, StoreOperation, StoreRange, LevelStoreOptions } from './store.ts';
// Disclosure vaults: the confidential payload members, by digest (memory, LevelDB; PostgreSQL in @dataledger/store-postgres).
export { memoryVault, openLevelVault, checkedVault, MAX_DISCLOSURE_LENGTH } from './vault.ts';
export type { DisclosureVault, VaultEntry } from './vault.ts';
// The append-only log.
export { Log, DEFAULT_MAX_BATCH_RECORDS } from './log.ts';
export type { LogOptions, AppendResult, ImportBundleOptions } from './log.ts';
// Bundles: verify a JSON Lines export as a stream.
export { verifyBundle } from './bundle.ts';
export type { BundleReport, BundleSource, VerifyBundleOptions } from './bundle.ts';
// Signature verification on worker threads.
export { workerVerifier } from './verify-pool.ts';
export type { SignatureVerifier, SignatureCheck, WorkerVerifierOptions } from './verify-pool.ts';
// Tiles (C2SP tlog-tiles): paths, tile and entry-bundle codecs, reading from a log.
export {
  TILE_WIDTH,
  tilePath,
  entryBundlePath,
  parseTilePath,
  tileWidthAt,
  encodeEntryBundle,
  decodeEntryBundle,
  readTile,
  readEntryBundle,
} from './tlog-tiles.ts';
export type { TileCoord, TilePath, TileReader } from './tlog-tiles.ts';
// A client that fetches tiles and verifies them against a signed checkpoint.
export { TileLogClient } from './tiles.ts';
export type { TileLogClientOptions, VerifiedCheckpoint } from './tiles.ts';
