import { chmod, open, readFile } from 'node:fs/promises';
import { didKeyFromPublicKey } from '@dataledger/core';
import { formatKeyFile as formatServiceKeyFile, parseKeyFile as parseServiceKeyFile, type KeyFileJson as ServiceKeyFileJson } from '@dataledger/service';
import { cliError } from './errors.ts';

/** An Ed25519 identity loaded from, or written to, a key file. */
export interface KeyFileIdentity {
  /** 32-byte Ed25519 seed. */
  secretKey: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** `did:key:z6Mk…` of the public key. */
  did: string;
}

/**
 * The JSON written by `dataledger keygen`, and by `serve` for a data directory's `root.key`
 * and `log.key`: one key-file format everywhere. The secret key is the 32-byte Ed25519 seed
 * (RFC 8032 §5.1.5), base64url without padding; `did` is informative and re-derived on load.
 */
export type KeyFileJson = ServiceKeyFileJson;

/**
 * Serialises an identity as the key-file JSON.
 * @param secretKey - 32-byte Ed25519 seed
 * @returns the key-file text (JSON, one trailing newline)
 * @throws RangeError if `secretKey` is not 32 bytes
 */
export function formatKeyFile(secretKey: Uint8Array): string {
  return formatServiceKeyFile(secretKey);
}

/**
 * Parses a key file. Accepted: the key-file JSON (`secretKey` as base64url, base64 or hex),
 * or bare text holding the 32-byte seed as hex, base64url or base64 (data directories of
 * earlier releases). A `did` member that disagrees with the seed is refused.
 * @param text - the file's content
 * @returns the identity
 * @throws DataLedgerError `CLI_KEYFILE_INVALID`
 */
export function parseKeyFile(text: string): KeyFileIdentity {
  try {
    const { secretKey, publicKey } = parseServiceKeyFile(text);
    return { secretKey, publicKey, did: didKeyFromPublicKey(publicKey) };
  } catch (cause) {
    throw cliError('CLI_KEYFILE_INVALID', (cause as Error).message, cause);
  }
}

/**
 * Reads and parses a key file.
 * @param path - the file
 * @returns the identity
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_KEYFILE_INVALID`
 */
export async function readKeyFile(path: string): Promise<KeyFileIdentity> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw cliError('CLI_FILE_UNREADABLE', `cannot read key file ${path}`, cause);
  }
  return parseKeyFile(text);
}

/**
 * Writes a secret to a new file readable by its owner only (mode 0600). The file is created
 * exclusively unless `overwrite` is set, so an existing key is never clobbered by accident.
 * @param path - destination
 * @param text - the content
 * @param overwrite - replace an existing file
 * @throws DataLedgerError `CLI_FILE_EXISTS` when the file exists and `overwrite` is false
 */
export async function writeSecretFile(path: string, text: string, overwrite: boolean = false): Promise<void> {
  let handle;
  try {
    handle = await open(path, overwrite ? 'w' : 'wx', 0o600);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'EEXIST') {
      throw cliError('CLI_FILE_EXISTS', `${path} exists; pass --force to replace it`, cause);
    }
    throw cliError('CLI_FILE_UNWRITABLE', `cannot write ${path}: ${(cause as Error).message}`, cause);
  }
  try {
    // The mode given to open() applies only on creation; an overwritten file keeps its old
    // mode, so set it explicitly before the secret is written.
    await chmod(path, 0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
