/**
 * @dataledger/provenance: the tamper-evident ledger. Signed, hash-chained records; RFC 9162
 * Merkle trees and proofs; C2SP checkpoints and cosignatures; record stores (memory, LevelDB);
 * the append-only `Log`; JSON Lines bundles and their streaming replay; C2SP tlog-tiles
 * (paths, entry bundles, serving from a log) and a verifying tiles client.
 * @packageDocumentation
 */
export { PROVENANCE_ERROR_CODES, PROVENANCE_ERROR_DESCRIPTIONS, ProvenanceError } from './errors.ts';
export type { ProvenanceErrorCode } from './errors.ts';
export {
  parseRecord,
  signRecord,
  buildRecord,
  buildChain,
  verifyRecordSignature,
  verifySignedRecord,
  isVerifiedRecord,
  recordLeafData,
  recordLeafHash,
  actorPublicKey,
  DEFAULT_MAX_PAYLOAD_BYTES,
} from './records.ts';
export type {
  LedgerRecord,
  UnsignedRecord,
  LogHead,
  RecordLimits,
  RecordPayload,
  ChainHead,
  ChainDraft,
  VerifiedRecord,
  CheckedRecord,
  RecordTexts,
} from './records.ts';
export {
  leafHash,
  nodeHash,
  merkleRoot,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  readRoot,
  readInclusionProof,
  readConsistencyProof,
  EMPTY_ROOT,
  MerkleFrontier,
} from './merkle.ts';
export type { InclusionCheck, ConsistencyCheck, HashReader } from './merkle.ts';
export {
  formatCheckpoint,
  parseCheckpoint,
  noteKeyId,
  verifierKey,
  cosignerVerifierKey,
  parseVerifierKey,
  splitNote,
  signNote,
  openNote,
  signCheckpoint,
  openCheckpoint,
  cosignCheckpoint,
  verifyCosignature,
  cosignatureTimestamp,
  NOTE_TYPE_ED25519,
  NOTE_TYPE_COSIGNATURE_V1,
  MAX_NOTE_LENGTH,
  MAX_NOTE_SIGNATURES,
} from './checkpoint.ts';
export type { Checkpoint, NoteSigner, Cosigner, ParsedVerifierKey, NoteSignature, OpenedNote } from './checkpoint.ts';
export { memoryStore, openLevelStore } from './store.ts';
export type { RecordStore, StoreOperation, StoreRange, LevelStoreOptions } from './store.ts';
export { Log, LOG_FORMAT, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_BATCH_RECORDS, DEFAULT_MAX_IMPORT_RECORDS } from './log.ts';
export type { LogOptions, AppendResult, ImportBundleOptions } from './log.ts';
export { verifyBundle, assertValidBundle, BUNDLE_FORMAT, DEFAULT_MAX_LINE_BYTES } from './bundle.ts';
export type { BundleReport, BundleSource, VerifyBundleOptions } from './bundle.ts';
export { workerVerifier } from './verify-pool.ts';
export type { SignatureVerifier, SignatureCheck, WorkerVerifierOptions } from './verify-pool.ts';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  MAX_TILE_ENTRY_BYTES,
  tileIndexPath,
  tilePath,
  entryBundlePath,
  parseTilePath,
  tileWidthAt,
  encodeEntryBundle,
  decodeEntryBundle,
  splitTileHashes,
  readTile,
  readEntryBundle,
} from './tlog-tiles.ts';
export type { TileCoord, TilePath, TileReader } from './tlog-tiles.ts';
export { TileLogClient } from './tiles.ts';
export type { TileLogClientOptions, VerifiedCheckpoint } from './tiles.ts';
